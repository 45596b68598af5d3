#include "pt2tf/hash.h"

#include <openssl/evp.h>

#include <memory>

namespace pt2tf {

Result<std::string> Sha256Hex(const Tensor& tensor) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    return InternalError("cannot start SHA-256");
  bool ok = true;
  tensor.ForEachChunk([&](ByteSpan chunk) {
    ok = ok && EVP_DigestUpdate(ctx.get(), chunk.data(), chunk.size()) == 1;
  });
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ok || EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1)
    return InternalError("SHA-256 failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return hex;
}

}  // namespace pt2tf
