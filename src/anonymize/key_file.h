// key_file.h - the secret of `maillens anonymize`: 32 random bytes in a file.
//
// The file holds 64 hexadecimal digits and a newline. LoadOrCreateKey() reads
// it, or, when the path does not exist, creates it (O_EXCL, mode 0600) with
// 32 bytes from OpenSSL's RAND_bytes. The key is never printed: errors name
// the path only.
#ifndef MAILLENS_ANONYMIZE_KEY_FILE_H_
#define MAILLENS_ANONYMIZE_KEY_FILE_H_

#include <array>
#include <cstdint>
#include <string>

#include "util/status.h"

namespace maillens::anonymize {

// *created tells whether the file was made now. A key file readable by group
// or others is refused (InvalidArgument): the key is the whole secret.
Status LoadOrCreateKey(const std::string& path, std::array<uint8_t, 32>* key, bool* created);

}  // namespace maillens::anonymize

#endif  // MAILLENS_ANONYMIZE_KEY_FILE_H_
