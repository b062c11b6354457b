// crypto_pan.h - Crypto-PAn prefix-preserving IP address pseudonymisation.
//
// The construction of Xu, Fan, Ammar and Moon ("Prefix-Preserving IP Address
// Anonymization", ICNP 2002) as in their reference implementation: a 32-byte
// key = AES-128 key (bytes 0-15) + pad seed (bytes 16-31); the pad is
// AES(seed); output bit i = input bit i XOR the top bit of
// AES(first i input bits || the pad's remaining bits). Two addresses that
// share a k-bit prefix keep a shared k-bit prefix. IPv6 is the same
// construction over 128 bits (as yacryptopan and Yawning/cryptopan do). AES
// is OpenSSL's libcrypto; nothing cryptographic is written here.
//
// Thread safety: one object per thread (it holds an EVP context).
#ifndef MAILLENS_ANONYMIZE_CRYPTO_PAN_H_
#define MAILLENS_ANONYMIZE_CRYPTO_PAN_H_

#include <array>
#include <cstdint>

namespace maillens::anonymize {

class CryptoPan {
 public:
  // `key`: 32 bytes, as above.
  explicit CryptoPan(const std::array<uint8_t, 32>& key);
  ~CryptoPan();
  CryptoPan(const CryptoPan&) = delete;
  CryptoPan& operator=(const CryptoPan&) = delete;

  // `addr` in host byte order; the pseudonym in host byte order.
  uint32_t Anonymize4(uint32_t addr);
  // `addr`: 16 bytes, network order; writes 16 bytes to `out`.
  void Anonymize6(const uint8_t addr[16], uint8_t out[16]);

 private:
  void Encrypt(const uint8_t in[16], uint8_t out[16]);
  void* ctx_;  // EVP_CIPHER_CTX
  uint8_t pad_[16];
};

}  // namespace maillens::anonymize

#endif  // MAILLENS_ANONYMIZE_CRYPTO_PAN_H_
