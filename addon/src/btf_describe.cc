#include "btf_describe.h"

#include <cerrno>
#include <cstring>

#include "errors.h"

namespace monitor {
namespace {

// Pointers are described by their target's name only: following them could loop (a struct that
// points to itself) and nothing crossing to user space is dereferenced there.
constexpr int kMaxDepth = 16;

int SkipModifiers(const struct btf *btf, int id) {
  for (;;) {
    const struct btf_type *t = btf__type_by_id(btf, id);
    if (!t) return id;
    if (btf_is_typedef(t) || btf_is_const(t) || btf_is_volatile(t) || btf_is_restrict(t) || btf_is_type_tag(t) ||
        btf_is_decl_tag(t)) {
      id = t->type;
      continue;
    }
    return id;
  }
}

const char *KindName(const struct btf_type *t) {
  if (btf_is_struct(t)) return "struct";
  if (btf_is_union(t)) return "union";
  if (btf_is_any_enum(t)) return "enum";
  return "";
}

Napi::Number Num(Napi::Env env, double v) { return Napi::Number::New(env, v); }

Napi::Value EnumValue(Napi::Env env, uint64_t raw, bool is_signed, bool wide) {
  if (is_signed) {
    int64_t v = wide ? int64_t(raw) : int64_t(int32_t(uint32_t(raw)));
    if (v >= -(int64_t(1) << 53) && v <= (int64_t(1) << 53)) return Num(env, double(v));
    return Napi::BigInt::New(env, v);
  }
  if (raw <= (uint64_t(1) << 53)) return Num(env, double(raw));
  return Napi::BigInt::New(env, raw);
}

Napi::Object Describe(Napi::Env env, const struct btf *btf, int id, int depth);

Napi::Object DescribeComposite(Napi::Env env, const struct btf *btf, const struct btf_type *t, int depth) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("kind", KindName(t));
  o.Set("name", btf__name_by_offset(btf, t->name_off));
  o.Set("size", t->size);
  Napi::Array members = Napi::Array::New(env);
  const struct btf_member *m = btf_members(t);
  for (uint32_t i = 0; i < btf_vlen(t); i++, m++) {
    Napi::Object f = Napi::Object::New(env);
    uint32_t bit_off = btf_member_bit_offset(t, i);
    uint32_t bit_size = btf_member_bitfield_size(t, i);
    f.Set("name", btf__name_by_offset(btf, m->name_off));
    f.Set("offset", bit_off / 8);
    long long size = btf__resolve_size(btf, m->type);
    f.Set("size", Num(env, double(size < 0 ? 0 : size)));
    if (bit_size || bit_off % 8) {
      f.Set("bitOffset", bit_off);
      f.Set("bitSize", bit_size);
    }
    f.Set("type", Describe(env, btf, m->type, depth + 1));
    members.Set(i, f);
  }
  o.Set("members", members);
  return o;
}

Napi::Object DescribeEnum(Napi::Env env, const struct btf *btf, const struct btf_type *t) {
  Napi::Object o = Napi::Object::New(env);
  bool is_signed = btf_kflag(t);
  o.Set("kind", "enum");
  o.Set("name", btf__name_by_offset(btf, t->name_off));
  o.Set("size", t->size);
  o.Set("signed", is_signed);
  Napi::Object values = Napi::Object::New(env);
  if (btf_is_enum(t)) {
    const struct btf_enum *e = btf_enum(t);
    for (uint32_t i = 0; i < btf_vlen(t); i++, e++)
      values.Set(btf__name_by_offset(btf, e->name_off), EnumValue(env, uint32_t(e->val), is_signed, false));
  } else {
    const struct btf_enum64 *e = btf_enum64(t);
    for (uint32_t i = 0; i < btf_vlen(t); i++, e++)
      values.Set(btf__name_by_offset(btf, e->name_off), EnumValue(env, btf_enum64_value(e), is_signed, true));
  }
  o.Set("values", values);
  return o;
}

Napi::Object Describe(Napi::Env env, const struct btf *btf, int id, int depth) {
  id = SkipModifiers(btf, id);
  const struct btf_type *t = btf__type_by_id(btf, id);
  Napi::Object o = Napi::Object::New(env);
  if (!t || id == 0) {
    o.Set("kind", "void");
    return o;
  }
  if (depth > kMaxDepth) {
    o.Set("kind", "opaque");
    o.Set("name", btf__name_by_offset(btf, t->name_off));
    return o;
  }
  if (btf_is_int(t)) {
    uint8_t enc = btf_int_encoding(t);
    const char *name = btf__name_by_offset(btf, t->name_off);
    o.Set("kind", "int");
    o.Set("name", name);
    o.Set("size", t->size);
    o.Set("signed", (enc & BTF_INT_SIGNED) != 0);
    // clang encodes plain `char` as a signed 1-byte int; pahole sets BTF_INT_CHAR. Accept both.
    if ((enc & BTF_INT_CHAR) || strcmp(name, "char") == 0) o.Set("char", true);
    if (enc & BTF_INT_BOOL) o.Set("bool", true);
    return o;
  }
  if (btf_is_array(t)) {
    const struct btf_array *a = btf_array(t);
    o.Set("kind", "array");
    o.Set("len", a->nelems);
    o.Set("elem", Describe(env, btf, a->type, depth + 1));
    return o;
  }
  if (btf_is_composite(t)) return DescribeComposite(env, btf, t, depth);
  if (btf_is_any_enum(t)) return DescribeEnum(env, btf, t);
  if (btf_is_ptr(t)) {
    int target = SkipModifiers(btf, t->type);
    const struct btf_type *tt = btf__type_by_id(btf, target);
    o.Set("kind", "ptr");
    o.Set("size", 8);
    o.Set("to", tt && target ? btf__name_by_offset(btf, tt->name_off) : "void");
    return o;
  }
  if (btf_is_float(t)) {
    o.Set("kind", "float");
    o.Set("size", t->size);
    return o;
  }
  o.Set("kind", "other");
  o.Set("btfKind", btf_kind(t));
  return o;
}

}  // namespace

Napi::Object DescribeTypeId(Napi::Env env, const struct btf *btf, int id) { return Describe(env, btf, id, 0); }

Napi::Object DescribeNamedType(Napi::Env env, const struct btf *btf, const std::string &name, const std::string &kind) {
  if (btf) {
    uint32_t n = btf__type_cnt(btf);
    for (uint32_t id = 1; id < n; id++) {
      const struct btf_type *t = btf__type_by_id(btf, id);
      if (!btf_is_composite(t) && !btf_is_any_enum(t)) continue;
      if (!kind.empty() && kind != KindName(t)) continue;
      if (name == btf__name_by_offset(btf, t->name_off)) return Describe(env, btf, id, 0);
    }
  }
  Throw(env, "no " + (kind.empty() ? std::string("type") : kind) + " " + name + " in BTF", ENOENT);
}

Napi::Array ExportedTypes(Napi::Env env, const struct btf *btf) {
  Napi::Array out = Napi::Array::New(env);
  if (!btf) return out;
  uint32_t n = btf__type_cnt(btf), k = 0;
  size_t plen = strlen(kExportPrefix);
  for (uint32_t id = 1; id < n; id++) {
    const struct btf_type *t = btf__type_by_id(btf, id);
    if (!btf_is_var(t) || strncmp(btf__name_by_offset(btf, t->name_off), kExportPrefix, plen) != 0) continue;
    int pid = SkipModifiers(btf, t->type);
    const struct btf_type *p = btf__type_by_id(btf, pid);
    if (!p || !btf_is_ptr(p)) continue;
    int target = SkipModifiers(btf, p->type);
    const struct btf_type *tt = btf__type_by_id(btf, target);
    if (!tt || (!btf_is_composite(tt) && !btf_is_any_enum(tt))) continue;
    Napi::Object o = Napi::Object::New(env);
    o.Set("kind", KindName(tt));
    o.Set("name", btf__name_by_offset(btf, tt->name_off));
    out.Set(k++, o);
  }
  return out;
}

}  // namespace monitor
