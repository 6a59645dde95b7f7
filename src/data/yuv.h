// RGB24 -> YUV 4:2:0 planar (yuv420p) conversion for the video encoder (no FFmpeg, no LibTorch).
// BT.601, limited ("MPEG"/TV) range, as libswscale's default for RGB -> yuv420p and what the mp4s
// declare (color_range = tv); chroma is the mean of each 2x2 block (edge blocks of odd sizes use the
// pixels that exist). 15-bit fixed point, rounded: pure colours land on their textbook values
// (white 235/128/128, black 16/128/128, red 81/90/240). Replaces libswscale here: with FFmpeg 5.1
// swscale's rgb24 -> yuv420p took 14% of `groot convert`'s CPU samples (perf, 10 demos, 1 worker),
// this converter 10% of a similar total (docs/PERFORMANCE.md); it also works without FFmpeg.
#pragma once
#include <cstdint>

namespace groot::yuv {

// hwc: height x width x 3 (RGB, row stride width*3). Planes: y [height][y_stride],
// u/v [(height+1)/2][uv_stride] with (width+1)/2 valid bytes per row.
void rgb24_to_yuv420p(const uint8_t* hwc, int width, int height, uint8_t* y, int y_stride, uint8_t* u,
                      uint8_t* v, int uv_stride);

}  // namespace groot::yuv
