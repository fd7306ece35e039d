// JsonConverter throughput on a 10-field record, both directions, schemas enabled and disabled,
// each next to its baseline in the same run: a plain Boost.JSON DOM parse (boost::json::parse) or
// serialize (boost::json::serialize) of the very same bytes. Goal: the converter within 2x of the
// baseline for the same direction. Records/s is items_per_second; MB/s is bytes_per_second of JSON.
#include <string>

#include <benchmark/benchmark.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "ferry/sdk/logical_types.h"
#include "ferry/sdk/schema_builder.h"
#include "runtime/converters/json_converter.h"

namespace {

using ferry::runtime::JsonConverter;
using ferry::sdk::Schema;
using ferry::sdk::SchemaBuilder;
using ferry::sdk::SchemaPtr;
using ferry::sdk::Struct;
using ferry::sdk::Value;

SchemaPtr record_schema() {
  return SchemaBuilder::struct_()
      .name("com.example.Account")
      .field("id", Schema::int32())
      .field("account_number", Schema::int64())
      .field("name", Schema::string())
      .field("email", Schema::string())
      .field("city", Schema::string())
      .field("balance", Schema::float64())
      .field("active", Schema::boolean())
      .field("updated_at", ferry::sdk::logical::timestamp().build())
      .field("note", Schema::optional_string())
      .field("ratio", Schema::float32())
      .build();
}

Value record(const SchemaPtr& schema) {
  Struct row(schema);
  row.put("id", std::int32_t{421337})
      .put("account_number", std::int64_t{9'001'234'567'890})
      .put("name", "Ada Lovelace")
      .put("email", "ada.lovelace@example.com")
      .put("city", "London")
      .put("balance", 12345.67)
      .put("active", true)
      .put("updated_at", ferry::sdk::Timestamp{1705314600000})
      .put("ratio", 0.75f);
  return row;
}

std::unique_ptr<JsonConverter> make_converter(bool schemas) {
  auto converter = std::make_unique<JsonConverter>();
  converter->configure({{"schemas.enable", schemas ? "true" : "false"}}, false);
  return converter;
}

std::string record_bytes(bool schemas) {
  const SchemaPtr schema = record_schema();
  const auto bytes = make_converter(schemas)->from_connect_data("t", schema, record(schema));
  return std::string(bytes->begin(), bytes->end());
}

void BM_ConverterToBytes(benchmark::State& state) {
  const bool schemas = state.range(0) != 0;
  auto converter = make_converter(schemas);
  const SchemaPtr schema = record_schema();
  const Value value = record(schema);
  std::size_t size = 0;
  for (auto _ : state) {
    auto bytes = converter->from_connect_data("t", schema, value);
    size = bytes->size();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}

void BM_BoostSerialize(benchmark::State& state) {
  const std::string text = record_bytes(state.range(0) != 0);
  const boost::json::value dom = boost::json::parse(text);
  for (auto _ : state) {
    std::string out = boost::json::serialize(dom);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}

void BM_ConverterFromBytes(benchmark::State& state) {
  const bool schemas = state.range(0) != 0;
  auto converter = make_converter(schemas);
  const std::string text = record_bytes(schemas);
  const ferry::sdk::ByteView bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  for (auto _ : state) {
    auto result = converter->to_connect_data("t", bytes);
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}

void BM_BoostParse(benchmark::State& state) {
  const std::string text = record_bytes(state.range(0) != 0);
  for (auto _ : state) {
    boost::json::value dom = boost::json::parse(text);
    benchmark::DoNotOptimize(dom);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}

// Arg: 1 = schemas.enable=true (envelope), 0 = payload only.
BENCHMARK(BM_ConverterToBytes)->ArgName("schemas")->Arg(1)->Arg(0);
BENCHMARK(BM_BoostSerialize)->ArgName("schemas")->Arg(1)->Arg(0);
BENCHMARK(BM_ConverterFromBytes)->ArgName("schemas")->Arg(1)->Arg(0);
BENCHMARK(BM_BoostParse)->ArgName("schemas")->Arg(1)->Arg(0);

}  // namespace

BENCHMARK_MAIN();
