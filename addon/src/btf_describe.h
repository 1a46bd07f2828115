// Describes types of a BPF object's BTF to JS with full type information, so the TS layouts can be
// checked field by field (offsets, sizes, signedness, array element types, enum values).
#pragma once
#include <napi.h>
#include <bpf/btf.h>

#include <string>

namespace monitor {

// Prefix of the globals MONITOR_EXPORT (addon/bpf/common.bpf.h) creates: each is a pointer to one
// type the object hands to user space.
constexpr const char *kExportPrefix = "__monitor_export_";

// {kind: 'struct'|'union'|'enum', name, size, members|values} of a named struct, union or enum.
// kind narrows the search ("" = any of the three). Throws ENOENT when absent.
Napi::Object DescribeNamedType(Napi::Env env, const struct btf *btf, const std::string &name, const std::string &kind);

// The resolved type (typedef/const/volatile stripped) of BTF id `id`.
Napi::Object DescribeTypeId(Napi::Env env, const struct btf *btf, int id);

// [{kind, name}] of every type the object marks with MONITOR_EXPORT.
Napi::Array ExportedTypes(Napi::Env env, const struct btf *btf);

}  // namespace monitor
