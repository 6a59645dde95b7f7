// Minimal PNG writing for reports (no LibTorch, no cairo): 8-bit RGB images compressed with zlib,
// plus base64 for data: URIs. Plots are rasterised elsewhere (plot_png.h, cairo).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace groot::png {

// PNG file bytes of an 8-bit RGB image (rows of w*3 bytes, no padding). Throws groot::Error on
// empty images or a zlib failure.
std::string encode_rgb(const uint8_t* rgb, int width, int height);

// Standard base64 (RFC 4648, with '=' padding).
std::string base64(const std::string& bytes);

}  // namespace groot::png
