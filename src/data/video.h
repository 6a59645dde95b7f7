// Video encode/decode through FFmpeg (libavformat/libavcodec/libswscale). FFmpeg is an optional
// build component: without it every function throws groot::Error("... built without FFmpeg ...")
// and available() is false.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace groot::video {

bool available();
// e.g. "FFmpeg (libavcodec 59.37.100; encoders: libx264 libsvtav1 libaom-av1; decoders: h264 hevc av1 libdav1d)"
// or "not built (configure found no FFmpeg development files)".
std::string backend_description();

struct EncodeOptions {
  std::string codec = "h264";  // "h264" (libx264, yuv420p) or "av1" (libsvtav1 / libaom-av1)
  int fps = 30;
  int crf = 23;                // quality; libx264 CRF, AV1 CRF/QP equivalent
  std::string preset = "fast";
  int gop = 0;                 // keyframe interval; 0 = codec default
  int threads = 1;             // codec threads per encoder (the converter parallelises across files)
};

// Streams RGB24 frames (H x W x 3, row-major) into an mp4 file.
class Encoder {
 public:
  Encoder(const std::string& path, int width, int height, const EncodeOptions& opt);
  ~Encoder();
  void write_rgb(const uint8_t* hwc);  // one frame
  void finish();                       // flush + trailer; must be called for a valid file
  int64_t frames_written() const;
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct Info {
  int width = 0, height = 0;
  double fps = 0;
  int64_t num_frames = 0;  // counted exactly when the container does not say
  std::string codec;       // "h264", "hevc", "av1", ...
  std::string pix_fmt;     // "yuv420p", ...
  bool has_audio = false;
};

Info probe(const std::string& path);

// Decodes RGB24 frames by index. Sequential reads are the fast path; read(i) for i behind the
// cursor or far ahead seeks to the preceding keyframe and decodes forward (frame-accurate).
class Decoder {
 public:
  explicit Decoder(const std::string& path, int threads = 1);
  ~Decoder();
  const Info& info() const;
  bool next(std::vector<uint8_t>& rgb);             // false at end of stream
  void read(int64_t frame_index, std::vector<uint8_t>& rgb);  // throws if out of range
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace groot::video
