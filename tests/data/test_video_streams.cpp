// Decoder behaviour on streams our Encoder never writes, made here directly with libav*: first pts
// != 0 (mp4 with an edit list, Matroska with raw offsets), a container without a frame count
// (Matroska: the count comes from counting packets), and a frame rate that is not an integer.
#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "data/video.h"
#include "groot/build_config.h"
#include "test_util.h"
#include "video_test_util.h"

#if GROOT_HAVE_FFMPEG
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

namespace video = groot::video;
using groot::test::fnv1a;
using groot::test::synth_frame;

namespace {

// Writes n synthetic frames with libx264 (no B-frames, keyframe every `gop`), frame k at pts
// first_pts + k in time base 1/fps (fps given as a rational). Returns the source frames.
std::vector<std::vector<uint8_t>> write_raw(const std::string& path, const char* muxer, int n, int w, int h,
                                            AVRational fps, int64_t first_pts, int gop,
                                            const char* encoder = "libx264") {
  video::backend_description();  // installs groot's quiet FFmpeg log handler
  std::vector<std::vector<uint8_t>> frames;
  const AVCodec* codec = avcodec_find_encoder_by_name(encoder);
  EXPECT_NE(codec, nullptr) << encoder;
  AVFormatContext* oc = nullptr;
  EXPECT_GE(avformat_alloc_output_context2(&oc, nullptr, muxer, path.c_str()), 0);
  AVCodecContext* c = avcodec_alloc_context3(codec);
  c->width = w;
  c->height = h;
  c->pix_fmt = AV_PIX_FMT_YUV420P;
  c->time_base = av_inv_q(fps);
  c->framerate = fps;
  c->gop_size = gop;
  c->max_b_frames = 0;
  c->thread_count = 1;
  av_opt_set(c->priv_data, "preset", "ultrafast", 0);
  av_opt_set(c->priv_data, "crf", "18", 0);
  av_opt_set(c->priv_data, "x264-params", "scenecut=0", 0);
  av_opt_set(c->priv_data, "x265-params", "log-level=none:scenecut=0:bframes=0", 0);
  if (oc->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  EXPECT_EQ(avcodec_open2(c, codec, nullptr), 0);
  AVStream* st = avformat_new_stream(oc, nullptr);
  avcodec_parameters_from_context(st->codecpar, c);
  st->time_base = c->time_base;
  st->avg_frame_rate = fps;
  EXPECT_GE(avio_open(&oc->pb, path.c_str(), AVIO_FLAG_WRITE), 0);
  EXPECT_GE(avformat_write_header(oc, nullptr), 0);
  AVFrame* f = av_frame_alloc();
  f->format = AV_PIX_FMT_YUV420P;
  f->width = w;
  f->height = h;
  av_frame_get_buffer(f, 0);
  SwsContext* sws = sws_getContext(w, h, AV_PIX_FMT_RGB24, w, h, AV_PIX_FMT_YUV420P, SWS_BICUBIC, nullptr,
                                   nullptr, nullptr);
  AVPacket* pkt = av_packet_alloc();
  auto drain = [&] {
    while (avcodec_receive_packet(c, pkt) == 0) {
      pkt->duration = 1;  // else the mp4 muxer's edit list hides the last frame
      av_packet_rescale_ts(pkt, c->time_base, st->time_base);
      pkt->stream_index = st->index;
      av_interleaved_write_frame(oc, pkt);
    }
  };
  for (int k = 0; k < n; ++k) {
    frames.push_back(synth_frame(h, w, k));
    av_frame_make_writable(f);
    const uint8_t* src[4] = {frames.back().data(), nullptr, nullptr, nullptr};
    const int stride[4] = {w * 3, 0, 0, 0};
    sws_scale(sws, src, stride, 0, h, f->data, f->linesize);
    f->pts = first_pts + k;
    avcodec_send_frame(c, f);
    drain();
  }
  avcodec_send_frame(c, nullptr);
  drain();
  av_write_trailer(oc);
  avio_closep(&oc->pb);
  av_packet_free(&pkt);
  sws_freeContext(sws);
  av_frame_free(&f);
  avcodec_free_context(&c);
  avformat_free_context(oc);
  return frames;
}

void check_stream(const std::string& path, int n, double fps, int64_t first_pts,
                  const std::vector<std::vector<uint8_t>>& src, const std::string& codec = "h264") {
  video::Info info = video::probe(path);
  EXPECT_EQ(info.num_frames, n) << path;
  EXPECT_NEAR(info.fps, fps, 1e-9) << path;
  EXPECT_EQ(info.codec, codec);

  auto times = video::frame_times(path);
  ASSERT_EQ(int(times.size()), n);
  for (int i = 0; i < n; ++i) EXPECT_NEAR(times[i], (first_pts + i) / fps, 2e-3) << path << " frame " << i;

  video::Decoder dec(path);
  EXPECT_EQ(dec.info().num_frames, n);
  std::vector<uint8_t> rgb;
  std::vector<uint64_t> seq;
  while (dec.next(rgb)) {
    EXPECT_GT(groot::test::psnr(rgb, src[seq.size()]), 35.0) << path << " frame " << seq.size();
    seq.push_back(fnv1a(rgb));
  }
  ASSERT_EQ(int(seq.size()), n);

  video::Decoder ra(path);
  for (int64_t i :
       {int64_t(n - 1), int64_t(0), int64_t(n / 2), int64_t(3), int64_t(n - 5), int64_t(n / 2 + 1)}) {
    ra.read(i, rgb);
    EXPECT_EQ(fnv1a(rgb), seq[size_t(i)]) << path << " frame " << i;
  }
  EXPECT_EQ(ra.stats().restarts, 0);
  EXPECT_GE(ra.stats().seeks, 2);
  groot::test::expect_error([&] { ra.read(n, rgb); }, {path, "out of range"});
}

struct Yuv {
  uint8_t y, u, v;
};

// Writes one lossless (qp 0) H.264 frame per colour, 64x64, solid, with the given colour matrix tag.
void write_solid(const std::string& path, const std::vector<Yuv>& colours, AVColorSpace cs) {
  video::backend_description();
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  ASSERT_NE(codec, nullptr);
  AVFormatContext* oc = nullptr;
  ASSERT_GE(avformat_alloc_output_context2(&oc, nullptr, "mp4", path.c_str()), 0);
  AVCodecContext* c = avcodec_alloc_context3(codec);
  c->width = c->height = 64;
  c->pix_fmt = AV_PIX_FMT_YUV420P;
  c->time_base = AVRational{1, 10};
  c->framerate = AVRational{10, 1};
  c->colorspace = cs;
  c->color_range = AVCOL_RANGE_MPEG;
  c->max_b_frames = 0;
  av_opt_set(c->priv_data, "qp", "0", 0);
  if (oc->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  ASSERT_EQ(avcodec_open2(c, codec, nullptr), 0);
  AVStream* st = avformat_new_stream(oc, nullptr);
  avcodec_parameters_from_context(st->codecpar, c);
  st->time_base = c->time_base;
  ASSERT_GE(avio_open(&oc->pb, path.c_str(), AVIO_FLAG_WRITE), 0);
  ASSERT_GE(avformat_write_header(oc, nullptr), 0);
  AVFrame* f = av_frame_alloc();
  f->format = AV_PIX_FMT_YUV420P;
  f->width = f->height = 64;
  av_frame_get_buffer(f, 0);
  AVPacket* pkt = av_packet_alloc();
  auto drain = [&] {
    while (avcodec_receive_packet(c, pkt) == 0) {
      pkt->duration = 1;  // else the mp4 muxer's edit list hides the last frame
      av_packet_rescale_ts(pkt, c->time_base, st->time_base);
      pkt->stream_index = st->index;
      av_interleaved_write_frame(oc, pkt);
    }
  };
  for (size_t k = 0; k < colours.size(); ++k) {
    av_frame_make_writable(f);
    for (int y = 0; y < 64; ++y) std::memset(f->data[0] + y * f->linesize[0], colours[k].y, 64);
    for (int y = 0; y < 32; ++y) {
      std::memset(f->data[1] + y * f->linesize[1], colours[k].u, 32);
      std::memset(f->data[2] + y * f->linesize[2], colours[k].v, 32);
    }
    f->pts = int64_t(k);
    avcodec_send_frame(c, f);
    drain();
  }
  avcodec_send_frame(c, nullptr);
  drain();
  av_write_trailer(oc);
  avio_closep(&oc->pb);
  av_packet_free(&pkt);
  av_frame_free(&f);
  avcodec_free_context(&c);
  avformat_free_context(oc);
}

void expect_rgb(const std::vector<uint8_t>& rgb, int r, int g, int b, const char* what) {
  ASSERT_EQ(rgb.size(), 64u * 64 * 3);
  for (size_t p : {size_t(0), size_t(64 * 32 + 17), size_t(64 * 64 - 1)}) {
    EXPECT_NEAR(rgb[p * 3 + 0], r, 3) << what;
    EXPECT_NEAR(rgb[p * 3 + 1], g, 3) << what;
    EXPECT_NEAR(rgb[p * 3 + 2], b, 3) << what;
  }
}

}  // namespace

// Known YUV values (limited range) must decode to the RGB the colour matrix says: BT.601 when the
// stream does not say (the usual case, and what our encoder writes), BT.709 when tagged so.
TEST(VideoStreams, ColourConversionFollowsMatrixAndLimitedRange) {
  groot::test::TempDir tmp;
  std::string p601 = (tmp / "bt601.mp4").string();
  // black, white, mid grey, red, green, blue in BT.601 limited range
  write_solid(
      p601, {{16, 128, 128}, {235, 128, 128}, {126, 128, 128}, {81, 90, 240}, {145, 54, 34}, {41, 240, 110}},
      AVCOL_SPC_UNSPECIFIED);
  video::Decoder d(p601);
  std::vector<uint8_t> rgb;
  ASSERT_TRUE(d.next(rgb));
  expect_rgb(rgb, 0, 0, 0, "black");
  ASSERT_TRUE(d.next(rgb));
  expect_rgb(rgb, 255, 255, 255, "white");
  ASSERT_TRUE(d.next(rgb));
  expect_rgb(rgb, 128, 128, 128, "grey");
  ASSERT_TRUE(d.next(rgb));
  expect_rgb(rgb, 255, 0, 0, "red (601)");
  ASSERT_TRUE(d.next(rgb));
  expect_rgb(rgb, 0, 255, 0, "green (601)");
  ASSERT_TRUE(d.next(rgb));
  expect_rgb(rgb, 0, 0, 255, "blue (601)");

  std::string p709 = (tmp / "bt709.mp4").string();
  // red, green in BT.709 limited range
  write_solid(p709, {{63, 102, 240}, {173, 42, 26}}, AVCOL_SPC_BT709);
  video::Decoder d7(p709);
  ASSERT_TRUE(d7.next(rgb));
  expect_rgb(rgb, 255, 0, 0, "red (709)");
  ASSERT_TRUE(d7.next(rgb));
  expect_rgb(rgb, 0, 255, 0, "green (709)");
}

// Our encoder's output decodes back to the solid colours it was given (both directions of the
// BT.601 limited-range conversion).
TEST(VideoStreams, EncoderWritesBt601LimitedRange) {
  groot::test::TempDir tmp;
  std::string p = (tmp / "solid.mp4").string();
  video::EncodeOptions opt;
  opt.crf = 0;
  std::vector<std::array<uint8_t, 3>> colours = {{0, 0, 0},   {255, 255, 255}, {255, 0, 0},
                                                 {0, 255, 0}, {0, 0, 255},     {200, 120, 40}};
  {
    video::Encoder e(p, 64, 64, opt);
    std::vector<uint8_t> f(64 * 64 * 3);
    for (auto c : colours) {
      for (size_t i = 0; i < f.size(); i += 3) f[i] = c[0], f[i + 1] = c[1], f[i + 2] = c[2];
      e.write_rgb(f.data());
    }
    e.finish();
  }
  video::Decoder d(p);
  std::vector<uint8_t> rgb;
  for (auto c : colours) {
    ASSERT_TRUE(d.next(rgb));
    expect_rgb(rgb, c[0], c[1], c[2], "solid colour");
  }
}

TEST(VideoStreams, Mp4WithFirstPtsNotZero) {
  groot::test::TempDir tmp;
  std::string path = (tmp / "offset.mp4").string();
  auto src = write_raw(path, "mp4", 30, 96, 64, AVRational{30, 1}, 7, 6);
  check_stream(path, 30, 30.0, 7, src);
}

TEST(VideoStreams, MatroskaWithoutFrameCountAndPtsOffset) {
  groot::test::TempDir tmp;
  std::string path = (tmp / "offset.mkv").string();
  auto src = write_raw(path, "matroska", 25, 96, 64, AVRational{25, 1}, 11, 5);
  check_stream(path, 25, 25.0, 11, src);
}

TEST(VideoStreams, HevcInMp4) {
  if (!avcodec_find_encoder_by_name("libx265")) GTEST_SKIP() << "this FFmpeg has no libx265 encoder";
  groot::test::TempDir tmp;
  std::string path = (tmp / "hevc.mp4").string();
  auto src = write_raw(path, "mp4", 20, 128, 64, AVRational{20, 1}, 0, 5, "libx265");
  check_stream(path, 20, 20.0, 0, src, "hevc");
}

TEST(VideoStreams, NtscFrameRate) {
  groot::test::TempDir tmp;
  std::string path = (tmp / "ntsc.mp4").string();
  auto src = write_raw(path, "mp4", 20, 64, 64, AVRational{30000, 1001}, 0, 4);
  check_stream(path, 20, 30000.0 / 1001.0, 0, src);
}

#endif  // GROOT_HAVE_FFMPEG
