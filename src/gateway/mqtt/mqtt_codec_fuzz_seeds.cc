// Seed inputs for the MQTT codec fuzz target: every sample packet of both versions alone and as
// one stream, a few packets captured from Mosquitto, and filter/topic pairs.
#include <string>
#include <vector>

#include "gateway/mqtt/encoder.h"
#include "gateway/mqtt/packet_samples.h"
#include "gateway/mqtt/test_bytes.h"

std::vector<std::string> fuzz_seeds() {
  using namespace parley::mqtt;
  std::vector<std::string> seeds;
  for (const Version v : {Version::v311, Version::v5}) {
    std::string stream;
    for (const Packet& p : testing::sample_packets(v)) {
      std::string bytes;
      if (!encode(p, v, bytes)) continue;
      seeds.push_back(bytes);
      stream += bytes;
    }
    seeds.push_back(stream);
  }
  for (const char* hex : {
           "10 36 00 04 4d 51 54 54 04 ee 00 3c 00 06 70 75 62 33 31 31 00 0d 73 74 61 74 75 73 "
           "2f 70 75 62 33 31 31 00 04 67 6f 6e 65 00 05 61 6c 69 63 65 00 06 73 65 63 72 65 74",
           "34 29 00 07 73 70 6f 72 74 2f 78 00 01 1b 0b 07 26 00 01 6b 00 01 76 03 00 0a 74 65 78 "
           "74 2f 70 6c 61 69 6e 02 00 00 00 3c 68 69",
           "82 16 00 01 09 0b 07 26 00 01 61 00 01 62 00 07 73 70 6f 72 74 2f 2b 02",
           "70 02 00 01 e0 00",
           // Written by hand, not by our encoder, so that an encoder bug cannot hide in the seeds:
           // repeated user properties and subscription identifiers.
           "e0 0e 00 0c 26 00 01 61 00 00 26 00 01 61 00 00",
           "30 08 00 01 61 04 0b 01 0b 02",
       }) {
    seeds.push_back(testing::from_hex(hex));
  }
  for (const char* pair : {"sport/+/player1\nsport/tennis/player1", "#\n$SYS/x", "a/#\na",
                           "$share/g/+/b\n/b", "+/+\n/finance"}) {
    seeds.push_back(pair);
  }
  return seeds;
}
