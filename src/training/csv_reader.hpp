#pragma once

// A small RFC-4180 reader: fields separated by commas, records by LF or CRLF; a quoted field may
// hold commas, doubled quotes ("") and line breaks.

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace governor::training {

struct CsvRow {
  std::size_t line = 0;  ///< 1-based line the record starts on (a record may span lines)
  std::vector<std::string> fields;
};

struct CsvError {
  std::size_t line = 0;  ///< 1-based line of the fault
  std::string message;
};

/** Lets `result<T, CsvError>::value()` throw (std::runtime_error). */
[[noreturn]] void throw_exception_from_error(const CsvError& error,
                                             const boost::source_location& loc);

/** Parses a whole document. Empty lines between records are skipped (as pandas does), so a
 *  trailing newline adds no record. Lenient where RFC-4180 is silent: a quote inside an unquoted
 *  field is kept as text. Strict where data would be lost: an unterminated quoted field, or text
 *  after a closing quote, is an error. */
boost::system::result<std::vector<CsvRow>, CsvError> parse_csv(std::string_view text);

}  // namespace governor::training
