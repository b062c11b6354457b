// replay_main.cc - runs LLVMFuzzerTestOneInput over files, without libFuzzer.
//
// Usage: fuzz_replay FILE|DIR... ; each regular file is one input. Files are
// also fed line by line (each line one input), so a real log doubles as a
// corpus. Built with the sanitizers in CI (ctest: fuzz_replay).
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

size_t RunFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  size_t n = 1, start = 0;
  // Line by line too, capped so that a large log stays quick.
  for (size_t i = 0; i < data.size() && n < 5000; ++i) {
    if (data[i] == '\n') {
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data() + start), i - start);
      start = i + 1;
      ++n;
    }
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  size_t inputs = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(p))
        if (e.is_regular_file() && e.file_size() < (8u << 20)) inputs += RunFile(e.path());
    } else if (std::filesystem::is_regular_file(p)) {
      inputs += RunFile(p);
    }
  }
  std::printf("fuzz replay: %zu inputs, no crash\n", inputs);
  return inputs > 0 ? 0 : 1;
}
