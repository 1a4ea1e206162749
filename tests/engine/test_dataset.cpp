// CSV and .npy readers: good files load exactly; each kind of bad file is refused with the file,
// row and column named.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "symtorch/engine/dataset.hpp"

namespace fs = std::filesystem;
using symtorch::DataError;
using symtorch::Table;

namespace {

// A fresh directory per test case, removed afterwards.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("symtorch_test_dataset_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes bytes exactly as given (binary mode keeps "\r\n").
  std::string write(const std::string& name, const std::string& bytes) const {
    const fs::path p = path_ / name;
    std::ofstream f(p, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(f.good());
    return p.string();
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

struct Refusal {
  bool thrown = false;
  std::string message, file;
  std::size_t row = 0, column = 0;
};

Refusal refusal(const std::function<void()>& f) {
  Refusal r;
  try {
    f();
  } catch (const DataError& e) {
    r = {true, e.what(), e.file(), e.row(), e.column()};
  }
  return r;
}

Refusal csv_refusal(const TempDir& dir, const std::string& contents) {
  const std::string path = dir.write("bad.csv", contents);
  return refusal([&] { symtorch::read_csv(path); });
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The bytes of a .npy file: magic, version, header length, the header dict padded with spaces
// and a newline to a multiple of 64 bytes (as numpy writes it), then the data.
std::string npy_bytes(const std::string& descr, bool fortran, const std::string& shape, const std::string& data,
                      int major = 1) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                     ", 'shape': " + shape + ", }";
  const std::size_t preamble = major == 1 ? 10 : 12;
  std::size_t total = preamble + dict.size() + 1;
  dict += std::string((64 - total % 64) % 64, ' ') + "\n";
  total = preamble + dict.size();
  CHECK(total % 64 == 0);
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  const std::size_t len = dict.size();
  for (std::size_t i = 0; i < (major == 1 ? 2u : 4u); ++i) out += static_cast<char>((len >> (8 * i)) & 0xff);
  return out + dict + data;
}

template <class T>
std::string raw(const std::vector<T>& values) {
  std::string s(values.size() * sizeof(T), '\0');
  std::memcpy(s.data(), values.data(), s.size());
  return s;
}

}  // namespace

TEST_CASE("dataset: comma CSV loads names and exact values") {
  TempDir dir;
  const auto path = dir.write("data.csv", "x0,x1,y\n1,2,3\n4.5,-5,6e2\n");
  const Table t = symtorch::read_csv(path);
  CHECK(t.source == path);
  REQUIRE(t.names == std::vector<std::string>{"x0", "x1", "y"});
  REQUIRE(t.rows() == 2);
  CHECK(t.columns[0] == std::vector<double>{1, 4.5});
  CHECK(t.columns[1] == std::vector<double>{2, -5});
  CHECK(t.columns[2] == std::vector<double>{3, 600});
  CHECK(t.column_index("x1") == 1);
  CHECK_THROWS_AS(t.column_index("z"), std::invalid_argument);
}

TEST_CASE("dataset: semicolon and tab separators, trimmed spaces, quoted names") {
  TempDir dir;
  SUBCASE("semicolon") {
    const Table t = symtorch::read_csv(dir.write("s.csv", " a ; \"b;c\" ;y\n 1 ;2; 3 \n"));
    CHECK(t.names == std::vector<std::string>{"a", "b;c", "y"});
    CHECK(t.columns[2] == std::vector<double>{3});
  }
  SUBCASE("tab") {
    const Table t = symtorch::read_csv(dir.write("t.tsv", "a\tb\n 1\t2 \n3\t4\n"));
    CHECK(t.names == std::vector<std::string>{"a", "b"});
    CHECK(t.columns[0] == std::vector<double>{1, 3});
    CHECK(t.columns[1] == std::vector<double>{2, 4});
  }
  SUBCASE("quoted names with separators and doubled quotes") {
    const Table t = symtorch::read_csv(dir.write("q.csv", "\"a,b\", \"say \"\"hi\"\"\" ,c\n1,2,3\n"));
    CHECK(t.names == std::vector<std::string>{"a,b", "say \"hi\"", "c"});
  }
  SUBCASE("quoted numbers") {
    const Table t = symtorch::read_csv(dir.write("qn.csv", "a,b\n\"1.5\", \"2\"\n"));
    CHECK(t.columns[0] == std::vector<double>{1.5});
    CHECK(t.columns[1] == std::vector<double>{2});
  }
  SUBCASE("single column") {
    const Table t = symtorch::read_csv(dir.write("one.csv", "y\n1\n2\n"));
    CHECK(t.cols() == 1);
    CHECK(t.rows() == 2);
  }
}

TEST_CASE("dataset: CRLF, byte order mark and trailing empty lines") {
  TempDir dir;
  const Table t = symtorch::read_csv(dir.write("crlf.csv", "\xEF\xBB\xBFu,v\r\n1,2\r\n3,4\r\n\r\n  \n\n"));
  CHECK(t.names == std::vector<std::string>{"u", "v"});
  CHECK(t.columns[0] == std::vector<double>{1, 3});
  CHECK(t.columns[1] == std::vector<double>{2, 4});
  // No newline after the last row.
  const Table u = symtorch::read_csv(dir.write("nonl.csv", "u,v\n1,2"));
  CHECK(u.rows() == 1);
}

TEST_CASE("dataset: number syntax") {
  TempDir dir;
  const Table t = symtorch::read_csv(
      dir.write("num.csv", "a,b,c,d,e,f,g\n1e3,-2.5E-2,+4e+01,.5,5.,1e999,-1e999\n"));
  // from_chars rounds correctly, so each cell equals the double the same literal gives in C++.
  CHECK(t.columns[0][0] == 1e3);
  CHECK(t.columns[1][0] == -2.5e-2);
  CHECK(t.columns[2][0] == 4e1);
  CHECK(t.columns[3][0] == 0.5);
  CHECK(t.columns[4][0] == 5.0);
  CHECK(t.columns[5][0] == HUGE_VAL);   // overflow reads as infinity, as strtod and numpy do
  CHECK(t.columns[6][0] == -HUGE_VAL);
}

TEST_CASE("dataset: nan and inf are loaded as they are") {
  TempDir dir;
  const Table t = symtorch::read_csv(dir.write("nan.csv", "a,b,c,d,e\nnan,NaN,inf,-INF,Inf\n"));
  CHECK(std::isnan(t.columns[0][0]));
  CHECK(std::isnan(t.columns[1][0]));
  CHECK(t.columns[2][0] == HUGE_VAL);
  CHECK(t.columns[3][0] == -HUGE_VAL);
  CHECK(t.columns[4][0] == HUGE_VAL);
}

TEST_CASE("dataset: to_dataset splits off the target") {
  TempDir dir;
  const Table t = symtorch::read_csv(dir.write("d.csv", "a,b,c\n1,2,3\n4,5,6\n"));
  SUBCASE("last column by default") {
    const auto d = symtorch::to_dataset(t);
    CHECK(d.target_name == "c");
    CHECK(d.target == std::vector<double>{3, 6});
    CHECK(d.feature_names == std::vector<std::string>{"a", "b"});
    CHECK(d.rows() == 2);
    CHECK(d.num_features() == 2);
    CHECK(d.weights.empty());
    const auto ptrs = d.column_pointers();
    REQUIRE(ptrs.size() == 2);
    CHECK(ptrs[0] == d.features[0].data());
    CHECK(ptrs[1][1] == 5);
  }
  SUBCASE("named target keeps the other columns in order") {
    const auto d = symtorch::to_dataset(t, std::string("b"));
    CHECK(d.target_name == "b");
    CHECK(d.target == std::vector<double>{2, 5});
    CHECK(d.feature_names == std::vector<std::string>{"a", "c"});
    CHECK(d.features[1] == std::vector<double>{3, 6});
  }
  SUBCASE("missing target names it and lists the columns") {
    const auto r = refusal([&] { symtorch::to_dataset(t, std::string("z")); });
    REQUIRE(r.thrown);
    CHECK(r.file == t.source);
    CHECK(contains(r.message, "'z'"));
    CHECK(contains(r.message, "'a', 'b', 'c'"));
  }
  SUBCASE("a target alone is not enough") {
    const Table one = symtorch::read_csv(dir.write("one.csv", "y\n1\n"));
    const auto r = refusal([&] { symtorch::to_dataset(one); });
    REQUIRE(r.thrown);
    CHECK(contains(r.message, "feature"));
  }
}

TEST_CASE("dataset: refused CSV files name file, row and column") {
  TempDir dir;
  SUBCASE("missing file") {
    const auto path = dir.path("nope.csv");
    const auto r = refusal([&] { symtorch::read_csv(path); });
    REQUIRE(r.thrown);
    CHECK(r.file == path);
    CHECK(r.row == 0);
    CHECK(contains(r.message, path + ": cannot open"));
  }
  SUBCASE("directory") {
    const auto r = refusal([&] { symtorch::read_csv(dir.path("")); });
    REQUIRE(r.thrown);
    CHECK(contains(r.message, "directory"));
  }
  SUBCASE("empty file") {
    for (const char* contents : {"", "\n\n  \r\n"}) {
      const auto r = csv_refusal(dir, contents);
      REQUIRE(r.thrown);
      CHECK(contains(r.message, "empty"));
    }
  }
  SUBCASE("first line empty") {
    const auto r = csv_refusal(dir, "\na,b\n1,2\n");
    REQUIRE(r.thrown);
    CHECK(r.row == 1);
    CHECK(contains(r.message, "header"));
  }
  SUBCASE("header with an empty name") {
    const auto r = csv_refusal(dir, "a,,c\n1,2,3\n");
    REQUIRE(r.thrown);
    CHECK(r.row == 1);
    CHECK(r.column == 2);
    CHECK(contains(r.message, ":1:2: column 2 of the header has no name"));
  }
  SUBCASE("header with a trailing separator") {
    const auto r = csv_refusal(dir, "a,b,\n1,2,3\n");
    REQUIRE(r.thrown);
    CHECK(r.row == 1);
    CHECK(r.column == 3);
  }
  SUBCASE("duplicate name") {
    const auto r = csv_refusal(dir, "a,b,a\n1,2,3\n");
    REQUIRE(r.thrown);
    CHECK(r.row == 1);
    CHECK(r.column == 3);
    CHECK(contains(r.message, "duplicate column name 'a' (also column 1)"));
  }
  SUBCASE("no header") {
    const auto r = csv_refusal(dir, "1,2,3\n4,5,6\n");
    REQUIRE(r.thrown);
    CHECK(r.row == 1);
    CHECK(contains(r.message, "header"));
  }
  SUBCASE("unterminated quote") {
    const auto r = csv_refusal(dir, "a,\"b\n1,2\n");
    REQUIRE(r.thrown);
    CHECK(r.row == 1);
    CHECK(r.column == 2);
    CHECK(contains(r.message, "closing quote"));
  }
  SUBCASE("too few cells") {
    const auto r = csv_refusal(dir, "a,b,c\n1,2,3\n4,5\n");
    REQUIRE(r.thrown);
    CHECK(r.row == 3);
    CHECK(contains(r.message, "bad.csv:3: row has 2 cells, expected 3"));
  }
  SUBCASE("too many cells") {
    const auto r = csv_refusal(dir, "a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n");
    REQUIRE(r.thrown);
    CHECK(r.row == 4);
    CHECK(contains(r.message, "row has 4 cells, expected 3"));
  }
  SUBCASE("non-numeric cell") {
    const auto path = dir.write("data.csv", "x0,x1,y\n1,2,3\n4,abc,6\n");
    const auto r = refusal([&] { symtorch::read_csv(path); });
    REQUIRE(r.thrown);
    CHECK(r.row == 3);
    CHECK(r.column == 2);
    CHECK(contains(r.message, path + ":3:2: expected a number, got 'abc' (column 'x1')"));
  }
  SUBCASE("malformed numbers") {
    for (const char* cell : {"1.5.2", "1e", "+-1", "0x10", "1 2", "--1", "nanx", "-", "+"}) {
      CAPTURE(cell);
      const auto r = csv_refusal(dir, std::string("a,b\n1,2\n3,") + cell + "\n");
      REQUIRE(r.thrown);
      CHECK(r.row == 3);
      CHECK(r.column == 2);
      CHECK(contains(r.message, std::string("got '") + cell + "'"));
    }
  }
  SUBCASE("empty cell") {
    const auto r = csv_refusal(dir, "a,b,c\n1,,3\n");
    REQUIRE(r.thrown);
    CHECK(r.row == 2);
    CHECK(r.column == 2);
    CHECK(contains(r.message, "empty cell"));
  }
  SUBCASE("empty tab-separated cell") {
    const auto r = csv_refusal(dir, "a\tb\n1\t\n");
    REQUIRE(r.thrown);
    CHECK(r.row == 2);
    CHECK(r.column == 2);
  }
  SUBCASE("decimal comma gets a hint") {
    const auto r = csv_refusal(dir, "a;b\n1,5;2\n");
    REQUIRE(r.thrown);
    CHECK(r.row == 2);
    CHECK(r.column == 1);
    CHECK(contains(r.message, "decimal commas"));
  }
  SUBCASE("no data rows") {
    for (const char* contents : {"a,b\n", "a,b\r\n\r\n\n"}) {
      const auto r = csv_refusal(dir, contents);
      REQUIRE(r.thrown);
      CHECK(contains(r.message, "no data rows"));
    }
  }
  SUBCASE("empty line in the middle") {
    const auto r = csv_refusal(dir, "a,b\n1,2\n\n3,4\n");
    REQUIRE(r.thrown);
    CHECK(r.row == 3);
    CHECK(contains(r.message, "empty line"));
  }
}

TEST_CASE("dataset: npy float64, C order, format 1.0") {
  TempDir dir;
  // 3 rows x 2 columns, row-major.
  const auto path = dir.write("a.npy", npy_bytes("<f8", false, "(3, 2)", raw<double>({1, 2, 3, 4, 5, 6.25})));
  const Table t = symtorch::read_npy(path);
  CHECK(t.names == std::vector<std::string>{"x0", "x1"});
  CHECK(t.columns[0] == std::vector<double>{1, 3, 5});
  CHECK(t.columns[1] == std::vector<double>{2, 4, 6.25});
  CHECK(t.source == path);
}

TEST_CASE("dataset: npy float64 and float32 in Fortran order, formats 2.0 and 3.0") {
  TempDir dir;
  // 2 rows x 3 columns, column-major: columns (1,2), (3,4), (5,6).
  const auto f8 = dir.write("f8.npy", npy_bytes("<f8", true, "(2, 3)", raw<double>({1, 2, 3, 4, 5, 6}), 2));
  const auto f4 = dir.write("f4.npy", npy_bytes("<f4", true, "(2, 3)", raw<float>({1, 2, 3, 4, 5, 0.1f}), 3));
  for (const auto& path : {f8, f4}) {
    const Table t = symtorch::read_npy(path);
    REQUIRE(t.cols() == 3);
    CHECK(t.columns[0] == std::vector<double>{1, 2});
    CHECK(t.columns[1] == std::vector<double>{3, 4});
    CHECK(t.columns[2][0] == 5);
  }
  // float32 widens exactly: the value is the float nearest 0.1, not 0.1.
  CHECK(symtorch::read_npy(f4).columns[2][1] == static_cast<double>(0.1f));
  CHECK(symtorch::read_npy(f8).columns[2][1] == 6);
}

TEST_CASE("dataset: npy float32 in C order") {
  TempDir dir;
  const auto path = dir.write("c4.npy", npy_bytes("<f4", false, "(2, 2)", raw<float>({1.5f, -2, 3, 4})));
  const Table t = symtorch::read_npy(path);
  CHECK(t.columns[0] == std::vector<double>{1.5, 3});
  CHECK(t.columns[1] == std::vector<double>{-2, 4});
}

TEST_CASE("dataset: npy integers, 1-D and 2-D") {
  TempDir dir;
  SUBCASE("int64 C order") {
    const Table t = symtorch::read_npy(
        dir.write("i8.npy", npy_bytes("<i8", false, "(2, 2)", raw<std::int64_t>({-1, 2, 3, 1ll << 40}))));
    CHECK(t.columns[0] == std::vector<double>{-1, 3});
    CHECK(t.columns[1] == std::vector<double>{2, 1099511627776.0});
  }
  SUBCASE("int64 Fortran order") {
    const Table t = symtorch::read_npy(
        dir.write("i8f.npy", npy_bytes("<i8", true, "(2, 2)", raw<std::int64_t>({-1, 2, 3, 4}))));
    CHECK(t.columns[0] == std::vector<double>{-1, 2});
    CHECK(t.columns[1] == std::vector<double>{3, 4});
  }
  SUBCASE("1-D int32 is one column") {
    const Table t = symtorch::read_npy(dir.write("i4.npy", npy_bytes("<i4", false, "(3,)", raw<std::int32_t>({7, -8, 9}))));
    CHECK(t.names == std::vector<std::string>{"x0"});
    CHECK(t.columns[0] == std::vector<double>{7, -8, 9});
  }
  SUBCASE("uint8") {
    const Table t = symtorch::read_npy(dir.write("u1.npy", npy_bytes("|u1", false, "(2,)", std::string("\xff\x01", 2))));
    CHECK(t.columns[0] == std::vector<double>{255, 1});
  }
  SUBCASE("bytes after the data are ignored, as numpy.load does") {
    const Table t = symtorch::read_npy(
        dir.write("extra.npy", npy_bytes("<f8", false, "(1,)", raw<double>({2.5}) + "junk")));
    CHECK(t.columns[0] == std::vector<double>{2.5});
  }
}

TEST_CASE("dataset: read_table chooses the reader by extension") {
  TempDir dir;
  const auto npy = dir.write("A.NPY", npy_bytes("<f8", false, "(1, 2)", raw<double>({1, 2})));
  CHECK(symtorch::read_table(npy).names == std::vector<std::string>{"x0", "x1"});
  const auto csv = dir.write("b.txt", "p,q\n1,2\n");
  CHECK(symtorch::read_table(csv).names == std::vector<std::string>{"p", "q"});
}

TEST_CASE("dataset: refused npy files") {
  TempDir dir;
  auto npy_refusal = [&](const std::string& bytes) {
    const auto path = dir.write("bad.npy", bytes);
    auto r = refusal([&] { symtorch::read_npy(path); });
    CHECK(r.file == path);
    return r;
  };
  SUBCASE("bad magic") {
    const auto r = npy_refusal("x0,y\n1,2\n");
    REQUIRE(r.thrown);
    CHECK(contains(r.message, "not a .npy file"));
  }
  SUBCASE("truncated data says how many bytes were expected and found") {
    // (3, 2) float64 needs 48 bytes; give it 40.
    const auto r = npy_refusal(npy_bytes("<f8", false, "(3, 2)", raw<double>({1, 2, 3, 4, 5})));
    REQUIRE(r.thrown);
    CHECK(contains(r.message, "truncated data"));
    CHECK(contains(r.message, "needs 48 bytes, the file has 40"));
  }
  SUBCASE("truncated header") {
    std::string bytes = npy_bytes("<f8", false, "(1,)", raw<double>({1}));
    const auto r = npy_refusal(bytes.substr(0, 30));
    REQUIRE(r.thrown);
    CHECK(contains(r.message, "truncated .npy header"));
  }
  SUBCASE("unsupported dtypes") {
    for (const char* descr : {"<c16", "|O", "<f2", "|b1", "<U3", "<M8"}) {
      CAPTURE(descr);
      const auto r = npy_refusal(npy_bytes(descr, false, "(1,)", std::string(16, '\0')));
      REQUIRE(r.thrown);
      CHECK(contains(r.message, std::string("unsupported dtype '") + descr + "'"));
    }
  }
  SUBCASE("structured dtype") {
    const std::string dict_descr = "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }";
    std::string bytes("\x93NUMPY\x01\x00", 8);
    bytes += static_cast<char>(dict_descr.size());
    bytes += '\0';
    const auto r = npy_refusal(bytes + dict_descr + std::string(8, '\0'));
    REQUIRE(r.thrown);
    CHECK(contains(r.message, "structured"));
  }
  SUBCASE("big endian") {
    const auto r = npy_refusal(npy_bytes(">f8", false, "(1,)", std::string(8, '\0')));
    REQUIRE(r.thrown);
    CHECK(contains(r.message, "big-endian dtype '>f8'"));
    CHECK(contains(r.message, "astype('<f8')"));
  }
  SUBCASE("more than two dimensions") {
    const auto r = npy_refusal(npy_bytes("<f8", false, "(2, 2, 2)", std::string(64, '\0')));
    REQUIRE(r.thrown);
    CHECK(contains(r.message, "shape (2, 2, 2)"));
  }
  SUBCASE("0-d and empty arrays") {
    CHECK(contains(npy_refusal(npy_bytes("<f8", false, "()", std::string(8, '\0'))).message, "0-dimensional"));
    CHECK(contains(npy_refusal(npy_bytes("<f8", false, "(0, 3)", "")).message, "no data rows"));
    CHECK(contains(npy_refusal(npy_bytes("<f8", false, "(3, 0)", "")).message, "no columns"));
  }
  SUBCASE("unknown version") {
    std::string bytes = npy_bytes("<f8", false, "(1,)", raw<double>({1}));
    bytes[6] = 4;
    const auto r = npy_refusal(bytes);
    REQUIRE(r.thrown);
    CHECK(contains(r.message, "version 4.0"));
  }
  SUBCASE("malformed header dict") {
    const auto missing = npy_refusal(npy_bytes("<f8", false, "(1,)", raw<double>({1})).replace(10, 9, "{'descX':"));
    REQUIRE(missing.thrown);
    CHECK(contains(missing.message, "malformed .npy header"));
    std::string bad_order = npy_bytes("<f8", false, "(1,)", raw<double>({1}));
    bad_order.replace(bad_order.find("False"), 5, "Nope ");
    CHECK(contains(npy_refusal(bad_order).message, "True or False"));
  }
}

TEST_CASE("dataset: the bundled demo data follows its documented law") {
  const auto d = symtorch::to_dataset(symtorch::read_csv(SYMTORCH_SOURCE_DIR "/examples/data/demo.csv"));
  CHECK(d.feature_names == std::vector<std::string>{"x0", "x1"});
  CHECK(d.target_name == "y");
  REQUIRE(d.rows() == 200);
  for (std::size_t r = 0; r < d.rows(); ++r) {
    const double x0 = d.features[0][r], x1 = d.features[1][r];
    // y was written round-trip exactly from the same doubles; only cos may differ by an ulp
    // between Python's libm call and ours, about 1e-15 after the factor 2.5*|x0| <= 7.5, so
    // 1e-12 * (1 + |y|) is loose yet would catch any other law or a shuffled row.
    CHECK(d.target[r] == doctest::Approx(2.5 * x0 * std::cos(x1) + x0 * x0).epsilon(1e-12));
  }
}

TEST_CASE("dataset: corrupted files are loaded or refused with DataError, never anything else") {
  // Random byte edits of a valid CSV and a valid .npy (fixed seed): every variant must either load
  // with rectangular columns or throw DataError. Run under the sanitizer preset this also
  // checks that no variant reads out of bounds.
  TempDir dir;
  const std::string csv = "a,\"b\";c\r\n1,2e3,-inf\n4,5,6\n\n";
  const std::string npy = npy_bytes("<f4", true, "(2, 3)", raw<float>({1, 2, 3, 4, 5, 6}));
  const std::string alphabet = ",;\t\"\r\n e+-.0123456789()':TF\x93\x00\xff";
  std::mt19937 rng(12345);
  for (const auto& [name, original] : {std::pair<std::string, std::string>{"f.csv", csv}, {"f.npy", npy}}) {
    for (int trial = 0; trial < 300; ++trial) {
      std::string bytes = original;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < edits && !bytes.empty(); ++k) {
        const std::size_t at = rng() % bytes.size();
        switch (rng() % 3) {
          case 0: bytes[at] = alphabet[rng() % alphabet.size()]; break;
          case 1: bytes.erase(at, 1 + rng() % 4); break;
          default: bytes.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        }
      }
      const auto path = dir.write(name, bytes);
      CAPTURE(bytes);
      try {
        const Table t = symtorch::read_table(path);
        CHECK(t.rows() > 0);
        for (const auto& column : t.columns) CHECK(column.size() == t.rows());
        CHECK(t.names.size() == t.cols());
      } catch (const DataError& e) {
        CHECK(e.file() == path);
      }
    }
  }
}
