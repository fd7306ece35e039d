#include "ferry/sdk/logical_types.h"

#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "ferry/sdk/errors.h"
#include "ferry/sdk/schema.h"
#include "ferry/sdk/time_values.h"
#include "ferry/sdk/value.h"

namespace ferry::sdk {
namespace {

TEST(LogicalTypes, SchemasCarryKafkaConnectNamesAndVersion) {
  const SchemaPtr decimal = logical::decimal(2).build();
  EXPECT_EQ(decimal->type(), Type::kBytes);
  EXPECT_EQ(decimal->name(), "org.apache.kafka.connect.data.Decimal");
  EXPECT_EQ(decimal->version(), 1);
  ASSERT_NE(decimal->parameter("scale"), nullptr);
  EXPECT_EQ(*decimal->parameter("scale"), "2");
  EXPECT_EQ(logical::decimal_scale(*decimal), 2);

  EXPECT_EQ(logical::date().build()->name(), "org.apache.kafka.connect.data.Date");
  EXPECT_EQ(logical::date().build()->type(), Type::kInt32);
  EXPECT_EQ(logical::time().build()->name(), "org.apache.kafka.connect.data.Time");
  EXPECT_EQ(logical::time().build()->type(), Type::kInt32);
  EXPECT_EQ(logical::timestamp().build()->name(), "org.apache.kafka.connect.data.Timestamp");
  EXPECT_EQ(logical::timestamp().build()->type(), Type::kInt64);
}

TEST(LogicalTypes, LogicalTypeIsRecognisedOnlyOverItsBaseType) {
  EXPECT_EQ(logical::logical_type_of(*logical::date().build()), logical::LogicalType::kDate);
  EXPECT_EQ(logical::logical_type_of(*Schema::int32()), logical::LogicalType::kNone);
  const SchemaPtr wrong =
      SchemaBuilder::string().name("org.apache.kafka.connect.data.Date").build();
  EXPECT_THROW(logical::logical_type_of(*wrong), DataException);
}

TEST(LogicalTypes, DecimalWithoutScaleIsRejected) {
  const SchemaPtr no_scale =
      SchemaBuilder::bytes().name("org.apache.kafka.connect.data.Decimal").build();
  EXPECT_THROW(logical::decimal_scale(*no_scale), DataException);
}

TEST(LogicalTypes, EncodingsMatchKafkaConnect) {
  EXPECT_EQ(Date::from_civil(2024, 1, 15).days_since_epoch, 19737);
  EXPECT_EQ(Date::from_civil(1970, 1, 1).days_since_epoch, 0);
  EXPECT_EQ(Date::from_civil(1969, 12, 31).days_since_epoch, -1);
  EXPECT_EQ(Time::from_hms(10, 30, 0).millis_of_day, 37800000);
  EXPECT_EQ(Date{19737}.to_string(), "2024-01-15");
  EXPECT_EQ(Time{37800000}.to_string(), "10:30:00.000");
  EXPECT_EQ(Timestamp{1705314600000}.to_string(), "2024-01-15T10:30:00.000Z");
  EXPECT_EQ(Timestamp{-1}.to_string(), "1969-12-31T23:59:59.999Z");
}

// Kafka Connect's Time.toLogical accepts 0 through MILLIS_PER_DAY inclusive, so Ferry must too;
// only values outside that range are rejected, with a message saying what the range is.
TEST(LogicalTypes, TimeAcceptsEndOfDayAndRejectsOutOfRange) {
  const SchemaPtr time = logical::time().build();
  EXPECT_EQ(value_mismatch(time, Value(Time{0}), "t"), "");
  EXPECT_EQ(value_mismatch(time, Value(Time{86'399'999}), "t"), "");
  EXPECT_EQ(value_mismatch(time, Value(Time{86'400'000}), "t"), "");
  EXPECT_EQ(Time{86'400'000}.to_string(), "24:00:00.000");
  const SchemaPtr row = SchemaBuilder::struct_().field("at", time).build();
  EXPECT_NO_THROW(Struct(row).put("at", Time{86'400'000}));

  for (const std::int32_t millis : {-1, 86'400'001, std::numeric_limits<std::int32_t>::max()}) {
    const std::string problem = value_mismatch(time, Value(Time{millis}), "t");
    EXPECT_NE(problem.find(std::to_string(millis)), std::string::npos) << problem;
    EXPECT_NE(problem.find("from 0 to 86400000 inclusive"), std::string::npos) << problem;
    EXPECT_NE(problem.find("\"t\""), std::string::npos) << problem;
    EXPECT_THROW(Struct(row).put("at", Time{millis}), DataException);
  }
}

TEST(LogicalTypes, ImpossibleCalendarValuesAreRejected) {
  EXPECT_THROW(Date::from_civil(2023, 2, 29), DataException);
  EXPECT_THROW(Time::from_hms(24, 0, 0), DataException);
}

}  // namespace
}  // namespace ferry::sdk
