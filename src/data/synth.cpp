#include "data/synth.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "data/hdf5.h"
#include "util/error.h"
#include "util/progress.h"

namespace groot::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;

// splitmix64: tiny, portable, deterministic.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform(double lo, double hi) { return lo + (hi - lo) * double(next() >> 11) * (1.0 / 9007199254740992.0); }
};

Rng demo_rng(const Options& o, int i, uint64_t stream) {
  Rng r(o.seed * 0x100000001B3ull + uint64_t(i) * 0x9E3779B1ull + stream);
  r.next();
  return r;
}

struct V3 {
  double x = 0, y = 0, z = 0;
};
V3 operator+(V3 a, V3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
V3 operator-(V3 a, V3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
V3 operator*(V3 a, double s) { return {a.x * s, a.y * s, a.z * s}; }
double dot(V3 a, V3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
V3 cross(V3 a, V3 b) { return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x}; }
V3 normalize(V3 a) {
  double n = std::sqrt(dot(a, a));
  return n > 0 ? a * (1.0 / n) : a;
}
V3 rot_z(V3 v, double yaw) {
  double c = std::cos(yaw), s = std::sin(yaw);
  return {c * v.x - s * v.y, s * v.x + c * v.y, v.z};
}

double smoothstep(double s) {
  s = std::clamp(s, 0.0, 1.0);
  return s * s * (3 - 2 * s);
}

// Scene constants (metres).
constexpr double kBlockHalf = 0.02;
constexpr double kFixtureHalfX = 0.06, kFixtureHalfY = 0.045, kFixtureHeight = 0.03;
constexpr double kOpen = 0.04, kClosed = kBlockHalf;

}  // namespace

int demo_id(int i, bool gap) { return gap && i > 0 ? 3 * i + 5 : i; }

int demo_length(const Options& o, int i) {
  Rng r = demo_rng(o, i, 7);
  int span = std::max(0, o.max_length - o.min_length);
  return o.min_length + int(r.next() % uint64_t(span + 1));
}

Episode script_episode(const Options& o, int i) {
  Episode ep;
  ep.demo_id = demo_id(i, o.gap);
  const int T = demo_length(o, i);
  ep.length = T;
  Rng r = demo_rng(o, i, 11);
  V3 start{0.45 + r.uniform(-0.05, 0.05), r.uniform(-0.06, 0.06), 0.30 + r.uniform(0.0, 0.05)};
  double yaw0 = r.uniform(-0.3, 0.3);
  V3 block{0.42 + r.uniform(-0.07, 0.07), 0.14 + r.uniform(-0.06, 0.06), kBlockHalf};
  double byaw = r.uniform(-0.6, 0.6);
  V3 slot{0.52 + r.uniform(-0.07, 0.07), -0.15 + r.uniform(-0.06, 0.06), kFixtureHeight};
  double syaw = r.uniform(-0.4, 0.4);
  ep.slot_pos = {float(slot.x), float(slot.y), float(slot.z)};
  ep.slot_yaw = float(syaw);

  // Phases as fractions of T: approach, descend, close, lift, transport, insert, open, retreat.
  const double frac[8] = {0.20, 0.10, 0.07, 0.10, 0.20, 0.10, 0.07, 0.16};
  int bound[9];
  bound[0] = 0;
  double acc = 0;
  for (int k = 0; k < 8; ++k) {
    acc += frac[k];
    bound[k + 1] = k == 7 ? T : std::max(bound[k], int(std::lround(acc * T)));
  }
  const V3 above_block{block.x, block.y, 0.15};
  const V3 at_block = block;
  const V3 lifted{block.x, block.y, 0.18};
  const V3 above_slot{slot.x, slot.y, 0.18};
  // Inserted: block bottom 15 mm below the fixture top.
  const V3 inserted{slot.x, slot.y, kFixtureHeight + kBlockHalf - 0.015};
  const V3 retreat{slot.x, slot.y, 0.15};
  struct Seg {
    V3 a, b;
    double ya, yb;
  };
  const Seg seg[8] = {{start, above_block, yaw0, byaw},  {above_block, at_block, byaw, byaw},
                      {at_block, at_block, byaw, byaw},  {at_block, lifted, byaw, byaw},
                      {lifted, above_slot, byaw, syaw},  {above_slot, inserted, syaw, syaw},
                      {inserted, inserted, syaw, syaw},  {inserted, retreat, syaw, syaw}};

  std::vector<V3> pos(T);
  std::vector<double> yaw(T), width(T), cmd(T);
  for (int t = 0; t < T; ++t) {
    int k = 0;
    while (k < 7 && t >= bound[k + 1]) ++k;
    int len = std::max(1, bound[k + 1] - bound[k]);
    double s = smoothstep(double(t - bound[k] + 1) / len);
    pos[t] = seg[k].a + (seg[k].b - seg[k].a) * s;
    yaw[t] = seg[k].ya + (seg[k].yb - seg[k].ya) * s;
    // Gripper command actions[t] acts between t and t+1: "close" while the next frame is in the
    // close/lift/transport/insert phases.
    int kn = 0;
    while (kn < 7 && std::min(t + 1, T - 1) >= bound[kn + 1]) ++kn;
    cmd[t] = (kn >= 2 && kn < 6) ? -1.0 : 1.0;
    if (k < 2)
      width[t] = kOpen;
    else if (k == 2)
      width[t] = kOpen + (kClosed - kOpen) * s;
    else if (k < 6)
      width[t] = kClosed;
    else if (k == 6)
      width[t] = kClosed + (kOpen - kClosed) * s;
    else
      width[t] = kOpen;
  }
  ep.eef_pos.resize(T);
  ep.eef_quat.resize(T);
  ep.gripper_pos.resize(T);
  ep.actions.resize(T);
  ep.yaw.resize(T);
  ep.block_pos.resize(T);
  ep.block_yaw.resize(T);
  // Store float32 positions first; actions are the float32 differences of what is stored so that
  // eef_pos[t] + actions[t] == eef_pos[t+1] holds as closely as float32 allows.
  for (int t = 0; t < T; ++t) {
    ep.eef_pos[t] = {float(pos[t].x), float(pos[t].y), float(pos[t].z)};
    ep.yaw[t] = float(yaw[t]);
    double h = yaw[t] / 2;
    ep.eef_quat[t] = {0.0f, float(std::cos(h)), float(std::sin(h)), 0.0f};
    ep.gripper_pos[t] = {float(width[t]), float(-width[t])};
  }
  for (int t = 0; t < T; ++t) {
    auto& a = ep.actions[t];
    if (t + 1 < T) {
      for (int j = 0; j < 3; ++j) a[j] = ep.eef_pos[t + 1][j] - ep.eef_pos[t][j];
      a[5] = ep.yaw[t + 1] - ep.yaw[t];
    } else {
      a[0] = a[1] = a[2] = a[5] = 0.0f;
    }
    a[3] = a[4] = 0.0f;
    a[6] = float(cmd[t]);
  }
  // Block: resting, then carried (from the end of the close phase), then left in the slot.
  for (int t = 0; t < T; ++t) {
    if (t < bound[3]) {
      ep.block_pos[t] = {float(block.x), float(block.y), float(block.z)};
      ep.block_yaw[t] = float(byaw);
    } else if (t < bound[6]) {
      ep.block_pos[t] = ep.eef_pos[t];
      ep.block_yaw[t] = ep.yaw[t];
    } else {
      ep.block_pos[t] = ep.block_pos[t - 1];
      ep.block_yaw[t] = ep.block_yaw[t - 1];
    }
  }
  return ep;
}

// ---------------------------------------------------------------------------------------------
// Rendering: z-buffered, flat-shaded oriented boxes over a chequered table plane.
namespace {

struct Box {
  V3 c, h;
  double yaw;
  std::array<double, 3> rgb;
};

struct Cam {
  V3 pos, r, u, f;  // right, up, forward (unit)
  double focal, cx, cy;
};

Cam make_cam(V3 pos, V3 target, double fovy_deg, int H, int W) {
  Cam c;
  c.pos = pos;
  c.f = normalize(target - pos);
  c.r = normalize(cross(c.f, V3{0, 0, 1}));
  c.u = cross(c.r, c.f);
  c.focal = (H / 2.0) / std::tan(fovy_deg * kPi / 360.0);
  c.cx = W / 2.0;
  c.cy = H / 2.0;
  return c;
}

const V3 kLight = normalize(V3{0.3, 0.2, 1.0});

struct Raster {
  int H, W;
  uint8_t* img;
  std::vector<float> zbuf;  // camera depth
};

struct PV {  // projected vertex
  double x, y, iz;
};

void fill_triangle(Raster& R, const PV& a, const PV& b, const PV& c, const std::array<uint8_t, 3>& col) {
  double minx = std::floor(std::min({a.x, b.x, c.x})), maxx = std::ceil(std::max({a.x, b.x, c.x}));
  double miny = std::floor(std::min({a.y, b.y, c.y})), maxy = std::ceil(std::max({a.y, b.y, c.y}));
  int x0 = std::max(0, int(minx)), x1 = std::min(R.W - 1, int(maxx));
  int y0 = std::max(0, int(miny)), y1 = std::min(R.H - 1, int(maxy));
  double area = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
  if (std::fabs(area) < 1e-12) return;
  double inv = 1.0 / area;
  for (int y = y0; y <= y1; ++y) {
    double py = y + 0.5;
    for (int x = x0; x <= x1; ++x) {
      double px = x + 0.5;
      double w0 = ((b.x - px) * (c.y - py) - (b.y - py) * (c.x - px)) * inv;
      double w1 = ((c.x - px) * (a.y - py) - (c.y - py) * (a.x - px)) * inv;
      double w2 = 1.0 - w0 - w1;
      if (w0 < 0 || w1 < 0 || w2 < 0) continue;
      double iz = w0 * a.iz + w1 * b.iz + w2 * c.iz;
      if (iz <= 0) continue;
      float z = float(1.0 / iz);
      size_t idx = size_t(y) * R.W + x;
      if (z >= R.zbuf[idx]) continue;
      R.zbuf[idx] = z;
      uint8_t* p = R.img + idx * 3;
      p[0] = col[0];
      p[1] = col[1];
      p[2] = col[2];
    }
  }
}

void draw_box(Raster& R, const Cam& cam, const Box& b) {
  // Face k: outward normal n (box frame), two in-plane axes.
  const V3 ax[3] = {rot_z({1, 0, 0}, b.yaw), rot_z({0, 1, 0}, b.yaw), {0, 0, 1}};
  const double he[3] = {b.h.x, b.h.y, b.h.z};
  for (int k = 0; k < 3; ++k) {
    for (int sgn = -1; sgn <= 1; sgn += 2) {
      V3 n = ax[k] * sgn;
      V3 fc = b.c + n * he[k];
      if (dot(n, fc - cam.pos) >= 0) continue;  // back face
      int i = (k + 1) % 3, j = (k + 2) % 3;
      V3 q[4] = {fc + ax[i] * he[i] + ax[j] * he[j], fc - ax[i] * he[i] + ax[j] * he[j],
                 fc - ax[i] * he[i] - ax[j] * he[j], fc + ax[i] * he[i] - ax[j] * he[j]};
      double shade = 0.35 + 0.65 * std::max(0.0, dot(n, kLight));
      std::array<uint8_t, 3> col;
      for (int c = 0; c < 3; ++c) col[c] = uint8_t(std::clamp(b.rgb[c] * shade, 0.0, 255.0));
      // Camera-space vertices, clipped against the near plane (Sutherland-Hodgman, one plane).
      const double near = 0.01;
      std::vector<V3> in, out;
      for (auto& p : q) {
        V3 d = p - cam.pos;
        in.push_back({dot(d, cam.r), dot(d, cam.u), dot(d, cam.f)});
      }
      for (size_t m = 0; m < in.size(); ++m) {
        V3 A = in[m], B = in[(m + 1) % in.size()];
        bool ain = A.z >= near, bin = B.z >= near;
        if (ain) out.push_back(A);
        if (ain != bin) {
          double t = (near - A.z) / (B.z - A.z);
          out.push_back(A + (B - A) * t);
        }
      }
      if (out.size() < 3) continue;
      std::vector<PV> pv;
      for (auto& v : out) pv.push_back({cam.cx + cam.focal * v.x / v.z, cam.cy - cam.focal * v.y / v.z, 1.0 / v.z});
      for (size_t m = 1; m + 1 < pv.size(); ++m) fill_triangle(R, pv[0], pv[m], pv[m + 1], col);
    }
  }
}

void draw_background(Raster& R, const Cam& cam) {
  // Ray-plane intersection with the table top z = 0 (table: x in [0.1, 0.9], y in [-0.45, 0.45]).
  for (int y = 0; y < R.H; ++y) {
    for (int x = 0; x < R.W; ++x) {
      double dx = (x + 0.5 - cam.cx) / cam.focal, dy = -(y + 0.5 - cam.cy) / cam.focal;
      V3 dir = cam.f + cam.r * dx + cam.u * dy;  // camera depth along dir is 1 per unit t
      size_t idx = size_t(y) * R.W + x;
      uint8_t* p = R.img + idx * 3;
      double t = dir.z < -1e-9 ? -cam.pos.z / dir.z : -1;
      V3 hit = cam.pos + dir * t;
      if (t > 0 && hit.x > 0.1 && hit.x < 0.9 && hit.y > -0.45 && hit.y < 0.45) {
        bool chk = (int(std::floor(hit.x / 0.05)) + int(std::floor(hit.y / 0.05))) & 1;
        double fade = std::clamp(1.15 - 0.25 * t, 0.6, 1.0);
        double base = chk ? 200 : 170;
        p[0] = uint8_t(base * fade);
        p[1] = uint8_t(base * 0.82 * fade);
        p[2] = uint8_t(base * 0.62 * fade);
        R.zbuf[idx] = float(t);
      } else {
        // Wall/floor backdrop: vertical gradient.
        double g = std::clamp(0.5 + 0.5 * dy, 0.0, 1.0);
        p[0] = uint8_t(70 + 60 * g);
        p[1] = uint8_t(80 + 60 * g);
        p[2] = uint8_t(95 + 70 * g);
        R.zbuf[idx] = std::numeric_limits<float>::infinity();
      }
    }
  }
}

}  // namespace

void render(const Episode& ep, int t, Camera which, int H, int W, uint8_t* out) {
  GROOT_CHECK(t >= 0 && t < ep.length, "synth: frame ", t, " out of range");
  V3 tcp{ep.eef_pos[t][0], ep.eef_pos[t][1], ep.eef_pos[t][2]};
  double yaw = ep.yaw[t];
  double w = ep.gripper_pos[t][0];
  Cam cam;
  if (which == Camera::kTable) {
    cam = make_cam({0.92, -0.42, 0.42}, {0.47, 0.0, 0.03}, 42.0, H, W);
  } else {
    V3 cpos = tcp + rot_z({-0.07, 0, 0.10}, yaw);
    V3 target = tcp + rot_z({0.07, 0, -0.04}, yaw);
    cam = make_cam(cpos, target, 75.0, H, W);
  }
  Raster R{H, W, out, std::vector<float>(size_t(H) * W)};
  draw_background(R, cam);
  std::vector<Box> boxes;
  V3 slot{ep.slot_pos[0], ep.slot_pos[1], 0};
  boxes.push_back({{slot.x, slot.y, kFixtureHeight / 2}, {kFixtureHalfX, kFixtureHalfY, kFixtureHeight / 2}, ep.slot_yaw, {150, 152, 160}});
  boxes.push_back({{slot.x, slot.y, kFixtureHeight + 0.0005}, {kBlockHalf + 0.004, kBlockHalf + 0.004, 0.0005}, ep.slot_yaw, {25, 25, 30}});
  V3 b{ep.block_pos[t][0], ep.block_pos[t][1], ep.block_pos[t][2]};
  boxes.push_back({b, {kBlockHalf, kBlockHalf, kBlockHalf}, ep.block_yaw[t], {40, 75, 215}});
  // Gripper: hand above the fingers, two fingers at +-w along the gripper's y axis.
  boxes.push_back({tcp + V3{0, 0, 0.075}, {0.025, 0.085, 0.02}, yaw, {60, 60, 66}});
  for (int s = -1; s <= 1; s += 2)
    boxes.push_back({tcp + rot_z({0, s * (w + 0.006), 0.027}, yaw), {0.01, 0.006, 0.028}, yaw, {215, 215, 220}});
  for (const auto& bx : boxes) {
    if (which == Camera::kWrist && bx.c.z > tcp.z + 0.05) continue;  // the hand is behind the wrist camera
    draw_box(R, cam, bx);
  }
}

// ---------------------------------------------------------------------------------------------

Summary write_file(const Options& o) {
  GROOT_CHECK(!o.output.empty(), "synth: --output is required");
  GROOT_CHECK(o.demos >= 1, "synth: --demos must be >= 1 (got ", o.demos, ")");
  GROOT_CHECK(o.min_length >= 2 && o.max_length >= o.min_length, "synth: need 2 <= --min-length <= --max-length (got ",
              o.min_length, ", ", o.max_length, ")");
  GROOT_CHECK(o.height >= 8 && o.width >= 8 && o.height <= 4096 && o.width <= 4096,
              "synth: --height/--width must be in [8, 4096] (got ", o.height, "x", o.width, ")");
  namespace fs = std::filesystem;
  fs::path final_path = fs::absolute(o.output);
  std::error_code ec;
  if (fs::is_directory(final_path, ec)) fail("synth: output ", final_path.string(), " is a directory");
  fs::create_directories(final_path.parent_path(), ec);
  fs::path tmp = final_path;
  tmp += ".tmp-" + std::to_string(::getpid());

  Summary sum;
  int64_t total = 0;
  try {
    h5::File f = h5::File::create(tmp.string());
    f.create_group("data");
    Progress prog("synth", o.demos, "demos", o.quiet);
    const int H = o.height, W = o.width;
    std::vector<uint8_t> wrist, table;
    const int nthreads = int(std::max(1u, std::thread::hardware_concurrency()));
    for (int i = 0; i < o.demos; ++i) {
      Episode ep = script_episode(o, i);
      const int T = ep.length;
      std::string g = "data/demo_" + std::to_string(ep.demo_id);
      f.create_group(g);
      f.create_group(g + "/obs");
      auto make = [&](const std::string& name, h5::Type type, std::vector<int64_t> shape) {
        std::vector<int64_t> chunk;
        if (o.gzip) chunk = h5::guess_chunk(shape, type == h5::Type::kUInt8 ? 1 : 4);
        return f.create_dataset(g + "/" + name, type, shape, chunk, o.gzip ? 4 : 0);
      };
      auto put = [&](const std::string& name, const float* data, int D) {
        h5::Dataset d = make(name, h5::Type::kFloat32, {T, D});
        d.write_rows(0, T, data);
      };
      put("actions", ep.actions[0].data(), 7);
      put("obs/eef_pos", ep.eef_pos[0].data(), 3);
      put("obs/eef_quat", ep.eef_quat[0].data(), 4);
      put("obs/gripper_pos", ep.gripper_pos[0].data(), 2);
      h5::Dataset dw = make("obs/wrist_rgb", h5::Type::kUInt8, {T, H, W, 3});
      h5::Dataset dt = make("obs/table_rgb", h5::Type::kUInt8, {T, H, W, 3});
      const int block = int(std::max<int64_t>(1, std::min<int64_t>(dw.preferred_rows(16), 64)));
      const size_t fb = size_t(H) * W * 3;
      for (int t0 = 0; t0 < T; t0 += block) {
        int n = std::min(block, T - t0);
        wrist.resize(fb * n);
        table.resize(fb * n);
        // Render the block's frames on all cores; HDF5 writes (and gzip) stay on this thread.
        std::atomic<int> next{0};
        auto work = [&] {
          for (int k; (k = next.fetch_add(1)) < 2 * n;) {
            int fr = k / 2;
            if (k % 2 == 0)
              render(ep, t0 + fr, Camera::kWrist, H, W, wrist.data() + fb * fr);
            else
              render(ep, t0 + fr, Camera::kTable, H, W, table.data() + fb * fr);
          }
        };
        std::vector<std::thread> pool;
        for (int k = 1; k < nthreads; ++k) pool.emplace_back(work);
        work();
        for (auto& th : pool) th.join();
        dw.write_rows(t0, n, wrist.data());
        dt.write_rows(t0, n, table.data());
      }
      f.set_attr_int(g, "num_samples", T);
      f.set_attr_bool(g, "success", true);
      total += T;
      sum.frames += T;
      sum.demos++;
      prog.add(1, T);
    }
    // Isaac Lab never decrements `total`: with gaps, count phantom (removed) demos too.
    int missing = demo_id(o.demos - 1, o.gap) + 1 - o.demos;
    f.set_attr_int("data", "total", total + int64_t(missing) * o.max_length);
    f.set_attr_string("data", "env_args",
                      "{\"env_name\": \"Isaac-Insert-Block-Franka-Synthetic-v0\", \"type\": 2, \"sim_args\": "
                      "{\"dt\": 0.008333333333333333, \"decimation\": 4, \"render_interval\": 4, \"num_envs\": 1}}");
    f.close();
    prog.finish();
  } catch (...) {
    ::unlink(tmp.c_str());  // not std::filesystem (see remove_tree in util/fs.h)
    throw;
  }
  fs::rename(tmp, final_path, ec);
  if (ec) {
    ::unlink(tmp.c_str());
    fail("synth: cannot rename ", tmp.string(), " to ", final_path.string(), ": ", ec.message());
  }
  sum.bytes = int64_t(fs::file_size(final_path, ec));
  return sum;
}

}  // namespace groot::synth
