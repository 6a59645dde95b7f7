// groot version / --version: build facts a bug report needs.
#include <cstdio>

#include "cli/verb.h"
#include "data/video.h"
#include "groot/build_config.h"
#include "model/torch_compat.h"
#include "policy/plot_png.h"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"Print version, LibTorch, CUDA and optional components", "groot version"};
  return groot::cli::run_app(app, argc, argv, [&] {
    std::printf("groot %s\n", GROOT_VERSION);
    std::printf("LibTorch: %s\n", groot::torch_version_string());
    bool cuda = torch::cuda::is_available();
    if (cuda) {
      std::printf("CUDA: available, %d device(s)\n", int(torch::cuda::device_count()));
    } else {
      std::printf("CUDA: not available (CPU only)\n");
    }
    std::printf("FFmpeg video: %s\n", groot::video::backend_description().c_str());
    std::printf("ZeroMQ policy server: %s\n",
                GROOT_HAVE_ZMQ ? "built" : "not built (configure found no libzmq/cppzmq/msgpack-cxx)");
    std::printf("eval PNG plots (cairo): %s\n",
                groot::policy::plot::have_cairo()
                    ? ("cairo " + groot::policy::plot::cairo_version()).c_str()
                    : "not built (install libcairo2-dev and rebuild; report.html has SVG charts anyway)");
    std::printf("HDF5 gzip inflate: %s\n",
                GROOT_HAVE_LIBDEFLATE ? "libdeflate" : "zlib (install libdeflate-dev and rebuild: ~2x faster)");
    return 0;
  });
}

}  // namespace

GROOT_VERB(version, 99, "print version, LibTorch/CUDA and optional components", run);
