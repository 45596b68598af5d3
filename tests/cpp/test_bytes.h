// Helpers for tests that feed hand-made bytes to the readers: byte builders and temp files.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace pt2tf::testing_bytes {

struct Bytes {
  std::string s;
  Bytes& u8(uint8_t v) {
    s.push_back(static_cast<char>(v));
    return *this;
  }
  Bytes& u16(uint16_t v) { return u8(v & 0xff).u8(v >> 8); }
  Bytes& u32(uint32_t v) { return u16(v & 0xffff).u16(v >> 16); }
  Bytes& u64(uint64_t v) { return u32(v & 0xffffffffu).u32(v >> 32); }
  Bytes& str(const std::string& t) {
    s += t;
    return *this;
  }
  size_t size() const { return s.size(); }
};

// Writes `bytes` to a fresh file under the test temp dir; returns its path.
inline std::string WriteTemp(const std::string& name, const std::string& bytes) {
  std::string path = ::testing::TempDir() + "pt2tf_" + name;
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// Pickle byte builder (protocol 2 opcodes unless noted).
struct Pickle {
  Bytes b;
  Pickle() { b.u8(0x80).u8(2); }
  Pickle& op(char c) {
    b.u8(static_cast<uint8_t>(c));
    return *this;
  }
  Pickle& mark() { return op('('); }
  Pickle& global(const std::string& module, const std::string& name) {
    b.u8('c').str(module + "\n" + name + "\n");
    return *this;
  }
  Pickle& str(const std::string& t) {
    b.u8('X').u32(static_cast<uint32_t>(t.size())).str(t);
    return *this;
  }
  Pickle& i(int32_t v) {
    b.u8('J').u32(static_cast<uint32_t>(v));
    return *this;
  }
  Pickle& i64(int64_t v) {
    b.u8(0x8a).u8(8).u64(static_cast<uint64_t>(v));
    return *this;
  }
  Pickle& tuple() { return op('t'); }
  Pickle& reduce() { return op('R'); }
  Pickle& stop() { return op('.'); }
  std::string bytes() const { return b.s; }
};

}  // namespace pt2tf::testing_bytes
