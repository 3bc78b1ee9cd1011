// Helpers shared by the SharedStore tests: values as Bytes, and notices compared and printed.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <ostream>
#include <string_view>
#include <vector>

#include "shared_store.h"

namespace herdcache {

inline const char* NameOf(NoticeKind kind) {
  switch (kind) {
    case NoticeKind::kValue:
      return "kValue";
    case NoticeKind::kError:
      return "kError";
    case NoticeKind::kOrphaned:
      return "kOrphaned";
  }
  return "NoticeKind(?)";
}

inline void PrintTo(NoticeKind kind, std::ostream* os) { *os << NameOf(kind); }

// Bytes compare by identity: a waiter gets the very bytes the runner stored, never a copy.
inline bool operator==(const Notice& a, const Notice& b) {
  return a.flight == b.flight && a.kind == b.kind && a.bytes == b.bytes;
}

inline void PrintTo(const Notice& notice, std::ostream* os) {
  *os << "{flight " << notice.flight << ", " << NameOf(notice.kind) << ", bytes "
      << notice.bytes.get() << "}";
}

namespace testing_util {

// A value as the binding would hand it over: fresh bytes, shared from here on.
inline Bytes BytesOf(std::string_view text) {
  return std::make_shared<const std::vector<uint8_t>>(text.begin(), text.end());
}

}  // namespace testing_util
}  // namespace herdcache
