// crypto_pan.cc - Crypto-PAn over OpenSSL's AES-128-ECB (see crypto_pan.h).
#include "anonymize/crypto_pan.h"

#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>

namespace maillens::anonymize {

CryptoPan::CryptoPan(const std::array<uint8_t, 32>& key) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr || EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), nullptr, key.data(), nullptr) != 1)
    throw std::runtime_error("Crypto-PAn: AES-128 unavailable");
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  ctx_ = ctx;
  Encrypt(key.data() + 16, pad_);
}

CryptoPan::~CryptoPan() { EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(ctx_)); }

void CryptoPan::Encrypt(const uint8_t in[16], uint8_t out[16]) {
  int n = 0;
  EVP_EncryptUpdate(static_cast<EVP_CIPHER_CTX*>(ctx_), out, &n, in, 16);
}

uint32_t CryptoPan::Anonymize4(uint32_t addr) {
  const uint32_t pad4 = (uint32_t{pad_[0]} << 24) | (uint32_t{pad_[1]} << 16) | (uint32_t{pad_[2]} << 8) | pad_[3];
  uint8_t in[16], out[16];
  std::memcpy(in, pad_, 16);
  uint32_t flips = 0;
  for (int pos = 0; pos < 32; ++pos) {
    // The first `pos` bits of the address, the rest from the pad.
    uint32_t mask = pos == 0 ? 0 : ~uint32_t{0} << (32 - pos);
    uint32_t v = (addr & mask) | (pad4 & ~mask);
    in[0] = v >> 24;
    in[1] = v >> 16;
    in[2] = v >> 8;
    in[3] = v;
    Encrypt(in, out);
    flips |= uint32_t(out[0] >> 7) << (31 - pos);
  }
  return addr ^ flips;
}

void CryptoPan::Anonymize6(const uint8_t addr[16], uint8_t out6[16]) {
  uint8_t in[16], out[16];
  uint8_t flips[16] = {};
  for (int pos = 0; pos < 128; ++pos) {
    int full = pos / 8, bits = pos % 8;
    std::memcpy(in, addr, full);
    std::memcpy(in + full, pad_ + full, 16 - full);
    if (bits != 0) {
      uint8_t mask = uint8_t(0xFF << (8 - bits));
      in[full] = (addr[full] & mask) | (pad_[full] & ~mask);
    }
    Encrypt(in, out);
    flips[pos / 8] |= uint8_t((out[0] >> 7) << (7 - pos % 8));
  }
  for (int i = 0; i < 16; ++i) out6[i] = addr[i] ^ flips[i];
}

}  // namespace maillens::anonymize
