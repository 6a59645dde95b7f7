// FFmpeg video encode / probe / decode. Design notes are at the top of data/video.h.
#include "data/video.h"
#include "data/yuv.h"

#include "groot/build_config.h"
#include "util/error.h"

#if !GROOT_HAVE_FFMPEG

namespace groot::video {
namespace {
[[noreturn]] void not_built(const std::string& what) {
  fail(what, ": video support was not compiled in (this groot was built without FFmpeg). Install ",
       "libavformat-dev libavcodec-dev libswscale-dev libavutil-dev (scripts/setup.sh does) and rebuild ",
       "(configure with -DGROOT_WITH_FFMPEG=ON, the default).");
}
}  // namespace

bool available() {
  return false;
}
std::string backend_description() {
  return "not built (configure found no FFmpeg development files, or -DGROOT_WITH_FFMPEG=OFF; install "
         "libavformat-dev libavcodec-dev libswscale-dev and rebuild)";
}
std::string encoder_for(const std::string& codec) {
  not_built("video encoder for '" + codec + "'");
}

struct Encoder::Impl {};
Encoder::Encoder(const std::string& path, int, int, const EncodeOptions&) {
  not_built("cannot write video " + path);
}
Encoder::~Encoder() = default;
void Encoder::write_rgb(const uint8_t*) {
  not_built("video encoder");
}
void Encoder::finish() {
  not_built("video encoder");
}
int64_t Encoder::frames_written() const {
  return 0;
}

Info probe(const std::string& path) {
  not_built("cannot probe video " + path);
}
std::vector<double> frame_times(const std::string& path) {
  not_built("cannot read video " + path);
}

struct Decoder::Impl {
  Info info;
};
Decoder::Decoder(const std::string& path, int) {
  not_built("cannot decode video " + path);
}
Decoder::~Decoder() = default;
const Info& Decoder::info() const {
  return impl_->info;
}
bool Decoder::next(std::vector<uint8_t>&) {
  not_built("video decoder");
}
void Decoder::read(int64_t, std::vector<uint8_t>&) {
  not_built("video decoder");
}
int64_t Decoder::position() const {
  return 0;
}
const DecodeStats& Decoder::stats() const {
  static const DecodeStats none;
  return none;
}

}  // namespace groot::video

#else  // GROOT_HAVE_FFMPEG

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>

namespace groot::video {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Logging: FFmpeg prints through av_log. We keep the last error line of the calling thread (it is
// appended to our error messages) and print only at the level GROOT_FFMPEG_LOG asks for.
// ---------------------------------------------------------------------------------------------
int g_print_level = AV_LOG_QUIET;
thread_local std::string t_last_error;
thread_local int t_print_prefix = 1;

void log_callback(void* avcl, int level, const char* fmt, va_list vl) {
  if (level > AV_LOG_ERROR && level > g_print_level) return;
  char line[1024];
  va_list copy;
  va_copy(copy, vl);
  av_log_format_line2(avcl, level, fmt, copy, line, sizeof(line), &t_print_prefix);
  va_end(copy);
  if (level <= AV_LOG_ERROR) {
    std::string s = line;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    if (!s.empty()) t_last_error = s;
  }
  if (level <= g_print_level) std::fputs(line, stderr);
}

int parse_log_level(const char* s) {
  struct {
    const char* name;
    int level;
  } names[] = {{"quiet", AV_LOG_QUIET},     {"panic", AV_LOG_PANIC},     {"fatal", AV_LOG_FATAL},
               {"error", AV_LOG_ERROR},     {"warning", AV_LOG_WARNING}, {"info", AV_LOG_INFO},
               {"verbose", AV_LOG_VERBOSE}, {"debug", AV_LOG_DEBUG},     {"trace", AV_LOG_TRACE}};
  for (auto& n : names)
    if (std::strcmp(s, n.name) == 0) return n.level;
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (end != s && *end == '\0') return int(v);
  return AV_LOG_QUIET;
}

void init_ffmpeg() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (const char* e = std::getenv("GROOT_FFMPEG_LOG")) g_print_level = parse_log_level(e);
    av_log_set_callback(log_callback);
    // libsvtav1 logs through its own printf at "info" level by default; errors only unless the
    // user asked for something else.
    ::setenv("SVT_LOG", "1", /*overwrite=*/0);
  });
  t_last_error.clear();
}

// "Invalid data found when processing input (FFmpeg: [mov,mp4 @ 0x..] moov atom not found)"
std::string av_err(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, buf, sizeof(buf));
  std::string s = buf;
  if (!t_last_error.empty()) s += " (FFmpeg: " + t_last_error + ")";
  t_last_error.clear();
  return s;
}

// ---------------------------------------------------------------------------------------------
// RAII holders
// ---------------------------------------------------------------------------------------------
struct InputDel {
  void operator()(AVFormatContext* p) const { avformat_close_input(&p); }
};
struct CodecDel {
  void operator()(AVCodecContext* p) const { avcodec_free_context(&p); }
};
struct FrameDel {
  void operator()(AVFrame* p) const { av_frame_free(&p); }
};
struct PacketDel {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsDel {
  void operator()(SwsContext* p) const { sws_freeContext(p); }
};
using InputPtr = std::unique_ptr<AVFormatContext, InputDel>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecDel>;
using FramePtr = std::unique_ptr<AVFrame, FrameDel>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDel>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDel>;

FramePtr make_frame() {
  FramePtr f(av_frame_alloc());
  if (!f) fail("video: out of memory allocating an AVFrame");
  return f;
}
PacketPtr make_packet() {
  PacketPtr p(av_packet_alloc());
  if (!p) fail("video: out of memory allocating an AVPacket");
  return p;
}

// ---------------------------------------------------------------------------------------------
// Input side: open, choose the video stream, count frames, packet table
// ---------------------------------------------------------------------------------------------
struct Input {
  InputPtr fmt;
  int vidx = -1;
  AVStream* st = nullptr;
};

Input open_input(const std::string& path) {
  init_ffmpeg();
  std::error_code ec;
  if (!fs::exists(path, ec)) fail("video file ", path, ": no such file");
  if (fs::is_directory(path, ec)) fail("video file ", path, ": is a directory, not a video file");
  Input in;
  AVFormatContext* raw = nullptr;
  int r = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
  if (r < 0) fail("cannot open video file ", path, ": ", av_err(r), " (not a video file, or damaged)");
  in.fmt.reset(raw);
  r = avformat_find_stream_info(raw, nullptr);
  if (r < 0) fail("video file ", path, ": cannot read stream information: ", av_err(r));
  int v = av_find_best_stream(raw, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (v < 0) fail("video file ", path, ": contains no video stream");
  in.vidx = v;
  in.st = raw->streams[v];
  if (in.st->codecpar->width <= 0 || in.st->codecpar->height <= 0)
    fail("video file ", path, ": video stream has no valid frame size (", in.st->codecpar->width, "x",
         in.st->codecpar->height, ")");
  return in;
}

bool is_mov_family(const AVFormatContext* fmt) {
  return fmt->iformat && fmt->iformat->name && std::strstr(fmt->iformat->name, "mov") != nullptr;
}

// Every packet of the video stream in file (decode) order, and the derived frame table.
struct PacketIndex {
  struct Pkt {
    int64_t pts, dts;
    bool key, discard;
  };
  std::vector<Pkt> pkts;
  AVRational time_base{0, 1};
  // Display order: pts of every shown frame (packets an edit list discards are not shown).
  std::vector<int64_t> frame_pts;
  // Per shown frame: the packet (index into pkts) of the keyframe to start decoding from.
  std::vector<int32_t> frame_key;
  // false when some shown packet has no timestamp or two share one: then frames cannot be mapped
  // to pts and random access falls back to decoding from the start.
  bool usable = false;

  // Display index of a frame pts, or -1.
  int64_t index_of(int64_t pts) const {
    auto it = std::lower_bound(frame_pts.begin(), frame_pts.end(), pts);
    if (it == frame_pts.end() || *it != pts) return -1;
    return int64_t(it - frame_pts.begin());
  }
};

int64_t packet_ts(const AVPacket* p) {
  return p->pts != AV_NOPTS_VALUE ? p->pts : p->dts;
}

PacketIndex scan_packets(Input& in, const std::string& path) {
  PacketIndex ix;
  ix.time_base = in.st->time_base;
  PacketPtr pkt = make_packet();
  for (;;) {
    int r = av_read_frame(in.fmt.get(), pkt.get());
    if (r == AVERROR_EOF) break;
    if (r < 0)
      fail("video file ", path, ": reading packets failed after ", ix.pkts.size(), " packets: ", av_err(r));
    if (pkt->stream_index == in.vidx) {
      ix.pkts.push_back({packet_ts(pkt.get()), pkt->dts, (pkt->flags & AV_PKT_FLAG_KEY) != 0,
                         (pkt->flags & AV_PKT_FLAG_DISCARD) != 0});
    }
    av_packet_unref(pkt.get());
  }
  ix.usable = true;
  for (const auto& p : ix.pkts) {
    if (p.discard) continue;
    if (p.pts == AV_NOPTS_VALUE) ix.usable = false;
    ix.frame_pts.push_back(p.pts);
  }
  std::sort(ix.frame_pts.begin(), ix.frame_pts.end());
  if (std::adjacent_find(ix.frame_pts.begin(), ix.frame_pts.end()) != ix.frame_pts.end()) ix.usable = false;
  if (!ix.usable) return ix;

  // Keyframe to start from for each shown frame: the latest keyframe (in decode order, at or
  // before the frame's packet) whose pts is <= the frame's pts. Frames before the first such
  // keyframe start from the first packet.
  ix.frame_key.assign(ix.frame_pts.size(), 0);
  std::vector<int32_t> keys;  // packet indices of keyframes seen so far
  for (size_t i = 0; i < ix.pkts.size(); ++i) {
    const auto& p = ix.pkts[i];
    if (p.key) keys.push_back(int32_t(i));
    if (p.discard) continue;
    int32_t start = 0;
    for (auto k = keys.rbegin(); k != keys.rend(); ++k) {
      if (ix.pkts[*k].pts <= p.pts) {
        start = *k;
        break;
      }
    }
    ix.frame_key[ix.index_of(p.pts)] = start;
  }
  return ix;
}

// Exact frame count (see data/video.h). May fill `index` when it has to count packets.
int64_t count_frames(Input& in, const std::string& path, std::unique_ptr<PacketIndex>* index) {
  AVStream* st = in.st;
  if (is_mov_family(in.fmt.get()) && st->nb_frames > 0) {
    int n = avformat_index_get_entries_count(st);
    if (n >= st->nb_frames) {
      int64_t count = 0, end = 0;
      for (int i = 0; i < n; ++i) {
        const AVIndexEntry* e = avformat_index_get_entry(st, i);
        if (!(e->flags & AVINDEX_DISCARD_FRAME)) ++count;
        end = std::max<int64_t>(end, e->pos + e->size);
      }
      int64_t file_size = in.fmt->pb ? avio_size(in.fmt->pb) : -1;
      if (file_size > 0 && end > file_size)
        fail("video file ", path, " is truncated: its sample table needs ", end, " bytes, the file has ",
             file_size, " (incomplete copy or interrupted write?)");
      return count;
    }
  }
  if (st->nb_frames > 0) return st->nb_frames;
  Input scan = open_input(path);
  auto ix = std::make_unique<PacketIndex>(scan_packets(scan, path));
  int64_t n = int64_t(ix->frame_pts.size());
  if (index) *index = std::move(ix);
  return n;
}

Info make_info(Input& in, const std::string& path, std::unique_ptr<PacketIndex>* index) {
  Info info;
  const AVCodecParameters* par = in.st->codecpar;
  info.width = par->width;
  info.height = par->height;
  AVRational fr = in.st->r_frame_rate;
  if (fr.num <= 0 || fr.den <= 0) fr = in.st->avg_frame_rate;
  info.fps = (fr.num > 0 && fr.den > 0) ? av_q2d(fr) : 0.0;
  info.codec = avcodec_get_name(par->codec_id);
  const char* pf = av_get_pix_fmt_name(AVPixelFormat(par->format));
  info.pix_fmt = pf ? pf : "unknown";
  for (unsigned i = 0; i < in.fmt->nb_streams; ++i)
    if (in.fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) info.has_audio = true;
  info.num_frames = count_frames(in, path, index);
  return info;
}

// ---------------------------------------------------------------------------------------------
// Codec choice
// ---------------------------------------------------------------------------------------------
const char* const kX264Presets[] = {"ultrafast", "superfast", "veryfast", "faster",   "fast",
                                    "medium",    "slow",      "slower",   "veryslow", "placebo"};

bool is_x264_preset(const std::string& p) {
  for (const char* n : kX264Presets)
    if (p == n) return true;
  return false;
}

const AVCodec* find_encoder(const std::string& codec) {
  init_ffmpeg();
  std::vector<const char*> names;
  if (codec == "h264" || codec == "libx264") {
    names = {"libx264"};
  } else if (codec == "av1") {
    names = {"libsvtav1", "libaom-av1"};
  } else if (codec == "libsvtav1" || codec == "libaom-av1") {
    names = {codec.c_str()};
  } else {
    fail("unknown video codec '", codec, "' (use \"h264\" or \"av1\")");
  }
  for (const char* n : names)
    if (const AVCodec* c = avcodec_find_encoder_by_name(n)) return c;
  std::string list;
  for (const char* n : names) list += std::string(list.empty() ? "" : " or ") + n;
  fail("video codec '", codec, "': this FFmpeg has no ", list, " encoder (Debian's libavcodec59 has them; ",
       "check `ffmpeg -encoders`)");
}

const AVCodec* find_decoder(AVCodecID id, const std::string& path) {
  if (id == AV_CODEC_ID_AV1) {
    // FFmpeg 5.x's native "av1" decoder needs a hardware accelerator; prefer the software ones.
    for (const char* n : {"libdav1d", "libaom-av1"})
      if (const AVCodec* c = avcodec_find_decoder_by_name(n)) return c;
    fail("video file ", path, ": AV1 needs the libdav1d (or libaom) decoder, which this FFmpeg lacks ",
         "(install libdav1d6 / Debian's libavcodec59)");
  }
  const AVCodec* c = avcodec_find_decoder(id);
  if (!c) fail("video file ", path, ": no decoder for codec '", avcodec_get_name(id), "'");
  return c;
}

// x264-style preset names -> SVT-AV1 preset (0 slowest .. 13 fastest) / libaom cpu-used (0..8).
int av1_speed(const std::string& path, const std::string& preset, bool svt) {
  static const int svt_map[] = {12, 11, 10, 9, 8, 6, 4, 3, 2, 1};
  static const int aom_map[] = {8, 8, 7, 6, 5, 4, 3, 2, 1, 0};
  for (int i = 0; i < 10; ++i)
    if (preset == kX264Presets[i]) return svt ? svt_map[i] : aom_map[i];
  char* end = nullptr;
  long v = std::strtol(preset.c_str(), &end, 10);
  int hi = svt ? 13 : 8;
  if (!preset.empty() && *end == '\0' && v >= 0 && v <= hi) return int(v);
  fail("video ", path, ": preset '", preset, "' is not valid for ", svt ? "libsvtav1" : "libaom-av1",
       ": use an x264 name (ultrafast .. placebo) or a number 0..", hi);
}

void set_priv(AVCodecContext* ctx, const char* key, const std::string& value, const std::string& enc) {
  int r = av_opt_set(ctx->priv_data, key, value.c_str(), 0);
  if (r < 0) fail("video encoder ", enc, ": cannot set option ", key, "=", value, ": ", av_err(r));
}

std::atomic<int> g_tmp_counter{0};

}  // namespace

// =============================================================================================
// Public: backend
// =============================================================================================
bool available() {
  return true;
}

std::string backend_description() {
  init_ffmpeg();
  auto ver = [](unsigned v) {
    return std::to_string(AV_VERSION_MAJOR(v)) + "." + std::to_string(AV_VERSION_MINOR(v)) + "." +
           std::to_string(AV_VERSION_MICRO(v));
  };
  std::string s = "FFmpeg (libavcodec " + ver(avcodec_version()) + ", libavformat " +
                  ver(avformat_version()) + "; encoders:";
  for (const char* n : {"libx264", "libsvtav1", "libaom-av1"})
    if (avcodec_find_encoder_by_name(n)) s += std::string(" ") + n;
  s += "; decoders:";
  for (const char* n : {"h264", "hevc", "libdav1d", "libaom-av1"})
    if (avcodec_find_decoder_by_name(n)) s += std::string(" ") + n;
  return s + ")";
}

std::string encoder_for(const std::string& codec) {
  return find_encoder(codec)->name;
}

// =============================================================================================
// Encoder
// =============================================================================================
struct Encoder::Impl {
  std::string path, tmp_path;
  int width = 0, height = 0;
  EncodeOptions opt;
  std::string enc_name;
  AVFormatContext* oc = nullptr;
  CodecPtr enc;
  AVStream* st = nullptr;
  FramePtr frame;
  PacketPtr pkt;
  int64_t frames = 0, packets = 0;
  bool finished = false;

  ~Impl() {
    enc.reset();
    if (oc) {
      if (oc->pb) avio_closep(&oc->pb);
      avformat_free_context(oc);
    }
    if (!finished && !tmp_path.empty()) ::unlink(tmp_path.c_str());  // not std::filesystem (util/fs.h)
  }

  // Moves every packet the encoder has ready into the muxer.
  void drain() {
    for (;;) {
      int r = avcodec_receive_packet(enc.get(), pkt.get());
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
      if (r < 0) fail("video ", path, ": encoder ", enc_name, " failed: ", av_err(r));
      // Every frame lasts 1/fps. Without a duration on the last packet the mp4 muxer may end
      // the edit list before the last frame, and demuxers then drop it.
      if (pkt->duration <= 0) pkt->duration = 1;
      av_packet_rescale_ts(pkt.get(), enc->time_base, st->time_base);
      pkt->stream_index = st->index;
      r = av_interleaved_write_frame(oc, pkt.get());  // takes the packet's reference
      if (r < 0) fail("video ", path, ": writing frame data failed: ", av_err(r));
      ++packets;
    }
  }
};

Encoder::Encoder(const std::string& path, int width, int height, const EncodeOptions& opt)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.path = path;
  m.width = width;
  m.height = height;
  m.opt = opt;
  const AVCodec* codec = find_encoder(opt.codec);
  m.enc_name = codec->name;
  const bool x264 = m.enc_name == "libx264";
  const bool svt = m.enc_name == "libsvtav1";

  // --- validate ---
  if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
    fail("video ", path, ": invalid frame size ", width, "x", height, " (width x height)");
  if (width % 2 || height % 2)
    fail("video ", path, ": frame size ", width, "x", height, " (width x height) is odd; yuv420p video ",
         "needs even width and height. Crop or pad the images to an even size before encoding");
  if (opt.fps <= 0 || opt.fps > 1000) fail("video ", path, ": invalid fps ", opt.fps, " (must be 1..1000)");
  int crf_max = max_crf(x264 ? "h264" : "av1");
  if (opt.crf < 0 || opt.crf > crf_max)
    fail("video ", path, ": crf ", opt.crf, " out of range for ", m.enc_name, " (0..", crf_max, ")");
  if (opt.gop < 0) fail("video ", path, ": gop ", opt.gop, " must be >= 0 (0 = codec default)");
  if (opt.threads < 0) fail("video ", path, ": threads ", opt.threads, " must be >= 0 (0 = automatic)");
  if (opt.bframes < -1 || opt.bframes > 16)
    fail("video ", path, ": bframes ", opt.bframes, " must be -1 (codec default) .. 16");
  if (x264 && !is_x264_preset(opt.preset))
    fail("video ", path, ": preset '", opt.preset, "' is not a libx264 preset",
         " (ultrafast superfast veryfast faster fast medium slow slower veryslow placebo)");
  int av1_preset = x264 ? 0 : av1_speed(path, opt.preset, svt);

  // --- codec ---
  m.enc.reset(avcodec_alloc_context3(codec));
  if (!m.enc) fail("video ", path, ": out of memory");
  AVCodecContext* c = m.enc.get();
  c->width = width;
  c->height = height;
  c->pix_fmt = AV_PIX_FMT_YUV420P;
  c->time_base = AVRational{1, opt.fps};
  c->framerate = AVRational{opt.fps, 1};
  c->sample_aspect_ratio = AVRational{1, 1};
  c->color_range = AVCOL_RANGE_MPEG;
  c->thread_count = opt.threads;
  if (opt.gop > 0) c->gop_size = opt.gop;
  if (x264) {
    if (opt.bframes >= 0) c->max_b_frames = opt.bframes;
    set_priv(c, "preset", opt.preset, m.enc_name);
    set_priv(c, "crf", std::to_string(opt.crf), m.enc_name);
  } else if (svt) {
    set_priv(c, "preset", std::to_string(av1_preset), m.enc_name);
    set_priv(c, "crf", std::to_string(opt.crf), m.enc_name);
    if (opt.threads > 0) set_priv(c, "svtav1-params", "lp=" + std::to_string(opt.threads), m.enc_name);
  } else {  // libaom-av1
    set_priv(c, "cpu-used", std::to_string(av1_preset), m.enc_name);
    set_priv(c, "crf", std::to_string(opt.crf), m.enc_name);
    c->bit_rate = 0;
  }

  // --- muxer (writes the temp file; finish() renames it) ---
  m.tmp_path = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(g_tmp_counter++);
  int r = avformat_alloc_output_context2(&m.oc, nullptr, "mp4", m.tmp_path.c_str());
  if (r < 0 || !m.oc) fail("video ", path, ": cannot create an mp4 muxer: ", av_err(r));
  if (m.oc->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

  r = avcodec_open2(c, codec, nullptr);
  if (r < 0)
    fail("video ", path, ": cannot open encoder ", m.enc_name, " for ", width, "x", height, " @ ", opt.fps,
         " fps: ", av_err(r));

  m.st = avformat_new_stream(m.oc, nullptr);
  if (!m.st) fail("video ", path, ": out of memory");
  r = avcodec_parameters_from_context(m.st->codecpar, c);
  if (r < 0) fail("video ", path, ": ", av_err(r));
  m.st->time_base = c->time_base;
  m.st->avg_frame_rate = c->framerate;

  r = avio_open(&m.oc->pb, m.tmp_path.c_str(), AVIO_FLAG_WRITE);
  if (r < 0) fail("cannot create video file ", path, " (temp ", m.tmp_path, "): ", av_err(r));
  AVDictionary* mux_opts = nullptr;
  av_dict_set(&mux_opts, "movflags", "+faststart", 0);
  r = avformat_write_header(m.oc, &mux_opts);
  av_dict_free(&mux_opts);
  if (r < 0) fail("video ", path, ": writing the mp4 header failed: ", av_err(r));

  // --- reused conversion state ---
  m.frame = make_frame();
  m.frame->format = AV_PIX_FMT_YUV420P;
  m.frame->width = width;
  m.frame->height = height;
  m.frame->color_range = AVCOL_RANGE_MPEG;
  r = av_frame_get_buffer(m.frame.get(), 0);
  if (r < 0) fail("video ", path, ": cannot allocate a frame: ", av_err(r));
  m.pkt = make_packet();
}

Encoder::~Encoder() = default;

void Encoder::write_rgb(const uint8_t* hwc) {
  Impl& m = *impl_;
  if (m.finished) fail("video ", m.path, ": write_rgb() after finish()");
  if (!hwc) fail("video ", m.path, ": write_rgb() got a null frame pointer");
  int r = av_frame_make_writable(m.frame.get());
  if (r < 0) fail("video ", m.path, ": ", av_err(r));
  AVFrame* f = m.frame.get();
  if (f->linesize[1] != f->linesize[2]) fail("video ", m.path, ": unexpected yuv420p frame layout");
  yuv::rgb24_to_yuv420p(hwc, m.width, m.height, f->data[0], f->linesize[0], f->data[1], f->data[2], f->linesize[1]);
  m.frame->pts = m.frames;  // time base 1/fps: frame i at i/fps
  r = avcodec_send_frame(m.enc.get(), m.frame.get());
  if (r < 0) fail("video ", m.path, ": encoder ", m.enc_name, " rejected frame ", m.frames, ": ", av_err(r));
  ++m.frames;
  m.drain();
}

void Encoder::finish() {
  Impl& m = *impl_;
  if (m.finished) return;
  if (m.frames == 0) fail("video ", m.path, ": no frames were written; an empty video is not valid");
  int r = avcodec_send_frame(m.enc.get(), nullptr);
  if (r < 0 && r != AVERROR_EOF) fail("video ", m.path, ": flushing the encoder failed: ", av_err(r));
  m.drain();
  if (m.packets != m.frames)
    fail("video ", m.path, ": encoder ", m.enc_name, " produced ", m.packets, " packets for ", m.frames,
         " frames (each frame must be stored exactly once)");
  r = av_write_trailer(m.oc);
  if (r < 0) fail("video ", m.path, ": finishing the mp4 failed: ", av_err(r));
  r = avio_closep(&m.oc->pb);
  if (r < 0) fail("video ", m.path, ": closing the file failed: ", av_err(r));
  std::error_code ec;
  fs::rename(m.tmp_path, m.path, ec);
  if (ec) fail("video ", m.path, ": cannot move the finished file into place: ", ec.message());
  m.finished = true;
}

int64_t Encoder::frames_written() const {
  return impl_->frames;
}

// =============================================================================================
// Probe
// =============================================================================================
Info probe(const std::string& path) {
  Input in = open_input(path);
  return make_info(in, path, nullptr);
}

std::vector<double> frame_times(const std::string& path) {
  Input in = open_input(path);
  PacketIndex ix = scan_packets(in, path);
  if (!ix.usable) fail("video file ", path, ": frames have missing or duplicate timestamps");
  std::vector<double> t(ix.frame_pts.size());
  double tb = av_q2d(ix.time_base);
  for (size_t i = 0; i < t.size(); ++i) t[i] = double(ix.frame_pts[i]) * tb;
  return t;
}

// =============================================================================================
// Decoder
// =============================================================================================
struct Decoder::Impl {
  std::string path;
  int threads = 1;
  Info info;
  Input in;
  CodecPtr dec;
  FramePtr frame;
  PacketPtr pkt;
  std::unique_ptr<PacketIndex> index;  // built on the first non-sequential read
  // Display index of the frame the decoder outputs next. `mapped` = the stream was entered by a
  // seek, so frame indices come from pts (index) rather than from counting.
  int64_t cursor = 0;
  bool mapped = false;
  bool flushing = false;  // end of input reached, decoder drained with a null packet
  std::string read_error;
  DecodeStats stats;
  // Colour conversion, rebuilt only when the frame format changes.
  SwsPtr sws;
  int sws_fmt = -1, sws_cs = -1;

  void open() {
    in = open_input(path);
    const AVCodec* codec = find_decoder(in.st->codecpar->codec_id, path);
    dec.reset(avcodec_alloc_context3(codec));
    if (!dec) fail("video file ", path, ": out of memory");
    int r = avcodec_parameters_to_context(dec.get(), in.st->codecpar);
    if (r < 0) fail("video file ", path, ": ", av_err(r));
    dec->thread_count = threads;
    dec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    dec->pkt_timebase = in.st->time_base;
    r = avcodec_open2(dec.get(), codec, nullptr);
    if (r < 0) fail("video file ", path, ": cannot open decoder ", codec->name, ": ", av_err(r));
    cursor = 0;
    mapped = false;
    flushing = false;
    read_error.clear();
  }

  // Decodes the next frame (display order) into `frame`; false at end of stream.
  bool decode_frame() {
    for (;;) {
      int r = avcodec_receive_frame(dec.get(), frame.get());
      if (r == 0) {
        ++stats.frames_decoded;
        return true;
      }
      if (r == AVERROR_EOF) return false;
      if (r != AVERROR(EAGAIN))
        fail("video file ", path, ": decoding failed near frame ", cursor, ": ", av_err(r),
             " (damaged file?)");
      if (flushing) return false;
      r = av_read_frame(in.fmt.get(), pkt.get());
      if (r < 0) {
        if (r != AVERROR_EOF) read_error = av_err(r);
        flushing = true;
        r = avcodec_send_packet(dec.get(), nullptr);
        if (r < 0 && r != AVERROR_EOF)
          fail("video file ", path, ": flushing the decoder failed: ", av_err(r));
        continue;
      }
      if (pkt->stream_index != in.vidx) {
        av_packet_unref(pkt.get());
        continue;
      }
      r = avcodec_send_packet(dec.get(), pkt.get());
      av_packet_unref(pkt.get());
      if (r < 0 && r != AVERROR(EAGAIN))
        fail("video file ", path, ": corrupt video data near frame ", cursor, ": ", av_err(r));
    }
  }

  [[noreturn]] void ended_early(int64_t wanted) {
    fail("video file ", path, ": stream ended after ", cursor, " of ", info.num_frames,
         " frames while reading frame ", wanted, " (truncated or damaged file?",
         read_error.empty() ? "" : " read error: " + read_error, ")");
  }

  int64_t frame_pts() const {
    return frame->pts != AV_NOPTS_VALUE ? frame->pts : frame->best_effort_timestamp;
  }

  // Display index of the frame in `frame`.
  int64_t current_index() {
    if (!mapped) return cursor;
    int64_t i = index->index_of(frame_pts());
    if (i < 0)
      fail("video file ", path, ": decoded a frame with pts ", frame_pts(),
           " that is not in the packet table");
    return i;
  }

  void convert(std::vector<uint8_t>& rgb, int64_t index) {
    const AVFrame* f = frame.get();
    if (f->width != info.width || f->height != info.height)
      fail("video file ", path, ": frame ", index, " is ", f->width, "x", f->height, " but the stream is ",
           info.width, "x", info.height, " (size changes inside a video are not supported)");
    // Same conversion as torchcodec's CPU path (what GR00T decodes with): the source range comes
    // from the pixel format (full for the deprecated yuvj* formats, limited otherwise; a stream's
    // color_range tag is not consulted), the matrix from the frame's colorspace tag through
    // sws_getCoefficients (unspecified -> BT.601), output full-range RGB24. At equal size,
    // yuv420p -> rgb24 takes swscale's unscaled yuv2rgb path, so the scaler flag does not matter.
    AVPixelFormat fmt = AVPixelFormat(f->format);
    int cs = f->colorspace == AVCOL_SPC_YCGCO ? int(SWS_CS_DEFAULT) : int(f->colorspace);  // no YCgCo table
    if (!sws || fmt != sws_fmt || cs != sws_cs) {
      sws.reset(sws_getContext(info.width, info.height, fmt, info.width, info.height, AV_PIX_FMT_RGB24,
                               SWS_BILINEAR, nullptr, nullptr, nullptr));
      if (!sws)
        fail("video file ", path, ": cannot convert pixel format ", av_get_pix_fmt_name(fmt), " to RGB");
      int *inv_table = nullptr, *table = nullptr;
      int src_range = 0, dst_range = 0, brightness = 0, contrast = 0, saturation = 0;
      sws_getColorspaceDetails(sws.get(), &inv_table, &src_range, &table, &dst_range, &brightness, &contrast,
                               &saturation);
      const int* coeffs = sws_getCoefficients(cs);
      sws_setColorspaceDetails(sws.get(), coeffs, src_range, coeffs, dst_range, brightness, contrast,
                               saturation);
      sws_fmt = fmt;
      sws_cs = cs;
    }
    rgb.resize(size_t(info.width) * info.height * 3);
    uint8_t* dst[4] = {rgb.data(), nullptr, nullptr, nullptr};
    const int dst_stride[4] = {info.width * 3, 0, 0, 0};
    sws_scale(sws.get(), f->data, f->linesize, 0, info.height, dst, dst_stride);
    ++stats.frames_returned;
  }

  // Decodes forward to frame i (display order) and converts it. Frames before i are skipped
  // without colour conversion. Returns false if the decoder came out past i (a seek that landed
  // too late); throws if the stream ends first.
  bool decode_forward_to(int64_t i, std::vector<uint8_t>& rgb) {
    for (;;) {
      if (!decode_frame()) ended_early(i);
      int64_t t = current_index();
      if (t > i) return false;
      cursor = t + 1;
      if (t == i) {
        convert(rgb, t);
        return true;
      }
    }
  }

  void ensure_index() {
    if (index) return;
    Input scan = open_input(path);
    index = std::make_unique<PacketIndex>(scan_packets(scan, path));
  }

  // Restarts from the first packet and decodes forward (always correct, used as a fallback).
  void read_from_start(int64_t i, std::vector<uint8_t>& rgb) {
    ++stats.restarts;
    open();
    if (!decode_forward_to(i, rgb)) fail("video file ", path, ": frame ", i, " could not be located");
  }

  void seek_read(int64_t i, std::vector<uint8_t>& rgb) {
    const PacketIndex::Pkt& key = index->pkts[index->frame_key[i]];
    int64_t target = key.pts;
    avcodec_flush_buffers(dec.get());
    flushing = false;
    int r = av_seek_frame(in.fmt.get(), in.vidx, target, AVSEEK_FLAG_BACKWARD);
    if (r < 0) {
      read_from_start(i, rgb);
      return;
    }
    ++stats.seeks;
    mapped = true;
    cursor = -1;
    if (!decode_forward_to(i, rgb)) read_from_start(i, rgb);
  }
};

Decoder::Decoder(const std::string& path, int threads) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.path = path;
  if (threads < 0) fail("video file ", path, ": decoder threads must be >= 0, got ", threads);
  m.threads = threads;
  m.open();
  m.info = make_info(m.in, path, &m.index);
  m.frame = make_frame();
  m.pkt = make_packet();
}

Decoder::~Decoder() = default;

const Info& Decoder::info() const {
  return impl_->info;
}

int64_t Decoder::position() const {
  return impl_->cursor;
}

const DecodeStats& Decoder::stats() const {
  return impl_->stats;
}

bool Decoder::next(std::vector<uint8_t>& rgb) {
  Impl& m = *impl_;
  if (!m.decode_frame()) {
    if (m.cursor >= 0 && m.cursor < m.info.num_frames) m.ended_early(m.cursor);
    return false;
  }
  int64_t t = m.current_index();
  m.convert(rgb, t);
  m.cursor = t + 1;
  return true;
}

void Decoder::read(int64_t i, std::vector<uint8_t>& rgb) {
  Impl& m = *impl_;
  if (i < 0 || i >= m.info.num_frames)
    fail("video file ", m.path, ": frame index ", i, " out of range (the video has ", m.info.num_frames,
         " frames)");
  if (i == m.cursor) {
    if (!m.decode_forward_to(i, rgb)) m.read_from_start(i, rgb);
    return;
  }
  m.ensure_index();
  if (!m.index->usable || int64_t(m.index->frame_pts.size()) != m.info.num_frames) {
    // No usable pts mapping: decode from the start when going backwards, else forward.
    if (i < m.cursor || m.cursor < 0 || m.mapped) {
      m.read_from_start(i, rgb);
    } else if (!m.decode_forward_to(i, rgb)) {
      m.read_from_start(i, rgb);
    }
    return;
  }
  // Ahead of the cursor and no keyframe in between: decoding on is no more work than a seek.
  if (m.cursor >= 0 && i > m.cursor && m.cursor < m.info.num_frames) {
    const PacketIndex& ix = *m.index;
    if (ix.pkts[ix.frame_key[i]].pts <= ix.frame_pts[m.cursor]) {
      if (!m.decode_forward_to(i, rgb)) m.read_from_start(i, rgb);
      return;
    }
  }
  m.seek_read(i, rgb);
}

}  // namespace groot::video

#endif  // GROOT_HAVE_FFMPEG

namespace groot::video {

int max_crf(const std::string& codec) {
  if (codec == "h264" || codec == "libx264") return 51;
  if (codec == "av1" || codec == "libsvtav1" || codec == "libaom-av1") return 63;
  fail("unknown video codec '", codec, "' (use \"h264\" or \"av1\")");
}

}  // namespace groot::video
