// Decoder behaviour on streams our Encoder never writes, made here directly with libav*: first pts
// != 0 (mp4 with an edit list, Matroska with raw offsets), a container without a frame count
// (Matroska: the count comes from counting packets), and a frame rate that is not an integer.
#include <gtest/gtest.h>

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
                                            AVRational fps, int64_t first_pts, int gop) {
  video::backend_description();  // installs groot's quiet FFmpeg log handler
  std::vector<std::vector<uint8_t>> frames;
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  EXPECT_NE(codec, nullptr);
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
                  const std::vector<std::vector<uint8_t>>& src) {
  video::Info info = video::probe(path);
  EXPECT_EQ(info.num_frames, n) << path;
  EXPECT_NEAR(info.fps, fps, 1e-9) << path;
  EXPECT_EQ(info.codec, "h264");

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

}  // namespace

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

TEST(VideoStreams, NtscFrameRate) {
  groot::test::TempDir tmp;
  std::string path = (tmp / "ntsc.mp4").string();
  auto src = write_raw(path, "mp4", 20, 64, 64, AVRational{30000, 1001}, 0, 4);
  check_stream(path, 20, 30000.0 / 1001.0, 0, src);
}

#endif  // GROOT_HAVE_FFMPEG
