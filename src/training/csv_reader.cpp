#include "csv_reader.hpp"

#include <optional>
#include <stdexcept>
#include <string>

namespace governor::training {

void throw_exception_from_error(const CsvError& error, const boost::source_location&) {
  throw std::runtime_error("line " + std::to_string(error.line) + ": " + error.message);
}

namespace {

/** Walks the text once; `line_` counts the line breaks consumed so far, in and out of quotes. */
class CsvParser {
 public:
  explicit CsvParser(std::string_view text) : text_(text) {}

  boost::system::result<std::vector<CsvRow>, CsvError> run() {
    std::vector<CsvRow> rows;
    while (pos_ < text_.size()) {
      if (skip_line_break()) {
        continue;  // an empty line between records
      }
      CsvRow row;
      row.line = line_;
      bool more = true;
      while (more) {
        std::string field;
        if (pos_ < text_.size() && text_[pos_] == '"') {
          if (auto error = read_quoted(field)) {
            return *error;
          }
        } else {
          read_unquoted(field);
        }
        row.fields.push_back(std::move(field));
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
        } else if (pos_ == text_.size() || skip_line_break()) {
          more = false;
        } else {
          return CsvError{line_,
                          "unexpected character after a closing quote (a quote inside a "
                          "quoted field must be doubled)"};
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

 private:
  /** Consumes "\n" or "\r\n" at the cursor, if there is one. */
  bool skip_line_break() {
    if (text_.compare(pos_, 1, "\n") == 0) {
      pos_ += 1;
    } else if (text_.compare(pos_, 2, "\r\n") == 0) {
      pos_ += 2;
    } else {
      return false;
    }
    ++line_;
    return true;
  }

  /** Up to the next comma or line break; a lone '\r' or a stray quote stays as text. */
  void read_unquoted(std::string& field) {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' &&
           text_.compare(pos_, 2, "\r\n") != 0) {
      ++pos_;
    }
    field.assign(text_.substr(start, pos_ - start));
  }

  /** From the opening quote to just past the closing one; "" is a literal quote. */
  std::optional<CsvError> read_quoted(std::string& field) {
    const std::size_t opened_on = line_;
    ++pos_;
    while (true) {
      const std::size_t quote = text_.find('"', pos_);
      if (quote == std::string_view::npos) {
        return CsvError{opened_on, "unterminated quoted field (the quote opened on line " +
                                       std::to_string(opened_on) + " is never closed)"};
      }
      const std::string_view chunk = text_.substr(pos_, quote - pos_);
      for (const char c : chunk) {
        line_ += c == '\n' ? 1 : 0;
      }
      field.append(chunk);
      pos_ = quote + 1;
      if (pos_ < text_.size() && text_[pos_] == '"') {
        field.push_back('"');
        ++pos_;
      } else {
        return std::nullopt;
      }
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

}  // namespace

boost::system::result<std::vector<CsvRow>, CsvError> parse_csv(std::string_view text) {
  return CsvParser(text).run();
}

}  // namespace governor::training
