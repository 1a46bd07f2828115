{
  "targets": [{
    "target_name": "monitor_engine",
    "sources": ["addon/src/addon.cc", "addon/src/bpf_object.cc", "addon/src/ring_stream.cc", "addon/src/errors.cc", "addon/src/btf_describe.cc", "addon/src/map_reader.cc", "addon/src/perf_event.cc", "addon/src/proc_reader.cc", "addon/src/pidfd.cc"],
    "include_dirs": ["<!@(node -p \"require('node-addon-api').include\")", "addon/gen"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-fvisibility=hidden", "-O2", "-Wall"],
    "libraries": ["-lbpf"]
  }]
}
