// Video encode/decode through FFmpeg (libavformat/libavcodec/libswscale). FFmpeg is an optional
// build component: without it every function throws groot::Error("... built without FFmpeg ...")
// and available() is false.
//
// Module notes (src/data/video.cpp):
// - Encoder: RGB24 (H x W x 3, row-major) -> yuv420p (BT.601 matrix, limited "tv" range, bicubic
//   chroma subsampling: what the ffmpeg CLI does for LeRobot) -> H.264 (libx264, CRF, preset) or AV1
//   (libsvtav1, else libaom-av1) in an mp4 with +faststart. Frame i has pts i in time base 1/fps,
//   so it is presented at i/fps; exactly one packet/frame per input frame (checked in finish()).
//   The file is written as "<path>.tmp-<pid>-<n>" and renamed onto <path> by finish(); an encoder
//   destroyed without finish() (error, exception) removes its temp file, so a half-written video
//   never appears under the final name.
//   Odd width or height is rejected with a clear error (yuv420p needs even sizes and LeRobot needs
//   the true size, so we neither pad nor crop silently). Every packet gets a duration of one frame
//   so the mp4 edit list covers the last frame too.
// - probe(): width, height, fps (r_frame_rate, else avg_frame_rate), exact frame count: for mp4/mov
//   the sample table without samples an edit list discards (and a check that the last sample lies
//   inside the file, which catches truncated files); for other containers nb_frames when given,
//   else packets are counted.
// - Decoder: frames come out as RGB24 in display order. next() is the sequential fast path. read(i)
//   returns frame i exactly (bit-identical to the i-th frame of a sequential pass): on the first
//   non-sequential read it scans the packet table once (pts/dts/keyframe of every packet, from a
//   second demuxer so the decoder's position is kept), maps index <-> pts through the sorted pts
//   (works for B-frames and streams whose first pts != 0), seeks to the last keyframe at or before
//   the target and decodes forward, skipping colour conversion of the frames in between. A read
//   ahead of the cursor with no keyframe in between decodes forward without seeking. If a seek
//   lands past the target, it falls back to decoding from the start (counted in stats().restarts).
//   Random-access cost is set by the keyframe interval: use EncodeOptions::gop (e.g. fps, or 2 as
//   LeRobot does for AV1) for datasets that are read by index.
//   Colour conversion replicates torchcodec's CPU path (GR00T's default decoder): swscale with the
//   frame's colour matrix tag (BT.601 when unspecified), source range from the pixel format
//   (limited, or full for yuvj*), RGB24 out.
//   One SwsContext and one AVFrame/AVPacket per decoder, reused; no per-frame allocation.
// - FFmpeg's own log output is silenced (its last error line is kept and added to our errors); set
//   GROOT_FFMPEG_LOG=error|warning|info|debug to see it. libsvtav1's own log is limited to errors
//   through SVT_LOG=1 unless SVT_LOG is already set.
// Thread safety: distinct Encoder/Decoder objects may be used from different threads at once.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace groot::video {

bool available();
// e.g. "FFmpeg (libavcodec 59.37.100; encoders: libx264 libsvtav1 libaom-av1; decoders: h264 hevc av1
// libdav1d)" or "not built (configure found no FFmpeg development files)".
std::string backend_description();

// The FFmpeg encoder used for a codec name ("h264" -> "libx264", "av1" -> "libsvtav1" or
// "libaom-av1"). Throws groot::Error if the codec name is unknown or no encoder is available.
std::string encoder_for(const std::string& codec);

// Highest CRF a codec name accepts (the lowest is 0): "h264" -> 51 (libx264), "av1" -> 63
// (libsvtav1 / libaom-av1). Throws groot::Error for another name. Needs no FFmpeg.
int max_crf(const std::string& codec);

struct EncodeOptions {
  std::string codec = "h264";  // "h264" (libx264, yuv420p) or "av1" (libsvtav1 / libaom-av1)
  int fps = 30;
  int crf = 23;  // quality; libx264 CRF, AV1 CRF/QP equivalent
  std::string preset = "fast";
  int gop = 0;      // keyframe interval; 0 = codec default
  int threads = 1;  // codec threads per encoder (the converter parallelises across files)
  // H.264 B-frames: 0 = none (no frame reordering; fastest exact seeking), -1 = preset default.
  // AV1 encoders ignore it.
  int bframes = 0;
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

// Presentation time in seconds of every frame, in display order (pts * time_base, not shifted to
// start at 0). For files we write, entry i is i / fps. Reads the packet table (no decoding).
std::vector<double> frame_times(const std::string& path);

// Work counters of a Decoder (tests and benchmarks use them to see what random access costs).
struct DecodeStats {
  int64_t frames_decoded = 0;   // frames that came out of the codec
  int64_t frames_returned = 0;  // frames converted to RGB and handed out
  int64_t seeks = 0;            // seeks to a keyframe
  int64_t restarts = 0;         // fallbacks that reopened the file and decoded from its start
};

// Decodes RGB24 frames by index. Sequential reads are the fast path; read(i) for i behind the
// cursor or far ahead seeks to the preceding keyframe and decodes forward (frame-accurate).
class Decoder {
 public:
  // threads: decoder threads (1 = single-threaded, 0 = FFmpeg's automatic choice).
  explicit Decoder(const std::string& path, int threads = 1);
  ~Decoder();
  const Info& info() const;
  bool next(std::vector<uint8_t>& rgb);                       // false at end of stream
  void read(int64_t frame_index, std::vector<uint8_t>& rgb);  // throws if out of range
  // Index of the frame next() returns next.
  int64_t position() const;
  const DecodeStats& stats() const;
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace groot::video
