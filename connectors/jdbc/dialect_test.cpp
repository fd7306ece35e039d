#include "connectors/jdbc/dialect.h"

#include <gtest/gtest.h>

#include "ferry/sdk/errors.h"
#include "ferry/sdk/logical_types.h"

namespace ferry::connectors::jdbc {
namespace {

TEST(Dialect, QuotesIdentifiersPerDatabase) {
  EXPECT_EQ(Dialect(DatabaseKind::kPostgres, true).table({"public", "Orders 2"}),
            "\"public\".\"Orders 2\"");
  EXPECT_EQ(Dialect(DatabaseKind::kMysql, true).table({"shop", "orders"}), "`shop`.`orders`");
  EXPECT_EQ(Dialect(DatabaseKind::kMysql, false).quote("orders"), "orders");
}

TEST(Dialect, RefusesIdentifiersThatCouldEscapeTheirQuotes) {
  const Dialect postgres(DatabaseKind::kPostgres, true);
  const Dialect mysql(DatabaseKind::kMysql, true);
  for (const char* name : {"a\"; DROP TABLE x; --", "a`b", "a'b", "a:b", "a\\b", "a\nb", ""}) {
    EXPECT_THROW(postgres.quote(name), sdk::ConnectException) << name;
    EXPECT_THROW(mysql.quote(name), sdk::ConnectException) << name;
  }
  EXPECT_THROW(Dialect(DatabaseKind::kPostgres, false).quote("two words"), sdk::ConnectException);
}

TEST(Dialect, PostgresUpsertIsOnConflictDoUpdate) {
  const Dialect dialect(DatabaseKind::kPostgres, true);
  EXPECT_EQ(dialect.insert_sql({"public", "t"}, {"id"}, {"a", "b"}, {":c0", ":c1", ":c2"}, true),
            "INSERT INTO \"public\".\"t\" (\"id\",\"a\",\"b\") VALUES (:c0,:c1,:c2) ON CONFLICT "
            "(\"id\") DO UPDATE SET \"a\"=EXCLUDED.\"a\",\"b\"=EXCLUDED.\"b\"");
  EXPECT_EQ(dialect.insert_sql({"", "t"}, {"id"}, {}, {":c0"}, true),
            "INSERT INTO \"t\" (\"id\") VALUES (:c0) ON CONFLICT (\"id\") DO NOTHING");
}

TEST(Dialect, MysqlUpsertIsOnDuplicateKeyUpdate) {
  const Dialect dialect(DatabaseKind::kMysql, true);
  EXPECT_EQ(dialect.insert_sql({"", "t"}, {"id"}, {"a"}, {":c0", ":c1"}, true),
            "INSERT INTO `t` (`id`,`a`) VALUES (:c0,:c1) ON DUPLICATE KEY UPDATE "
            "`a`=VALUES(`a`)");
}

TEST(Dialect, InsertSelectFromAStagingTableKeepsTheUpsertClause) {
  const Dialect postgres(DatabaseKind::kPostgres, true);
  EXPECT_EQ(postgres.insert_select_sql({"public", "t"}, {"id"}, {"a"}, "pg_temp.s", true),
            "INSERT INTO \"public\".\"t\" (\"id\",\"a\") SELECT \"id\",\"a\" FROM pg_temp.s ON "
            "CONFLICT (\"id\") DO UPDATE SET \"a\"=EXCLUDED.\"a\"");
  EXPECT_EQ(postgres.insert_select_sql({"", "t"}, {}, {"a"}, "pg_temp.s", false),
            "INSERT INTO \"t\" (\"a\") SELECT \"a\" FROM pg_temp.s");
  EXPECT_THROW(postgres.insert_select_sql({"", "t"}, {}, {"a"}, "pg_temp.s", true),
               sdk::ConnectException);
}

TEST(Dialect, UpdateAndDelete) {
  const Dialect dialect(DatabaseKind::kPostgres, true);
  EXPECT_EQ(dialect.update_sql({"", "t"}, {"id", "id2"}, {"a"}, {":c2"}, {":c0", ":c1"}),
            "UPDATE \"t\" SET \"a\" = :c2 WHERE \"id\" = :c0 AND \"id2\" = :c1");
  EXPECT_EQ(dialect.delete_sql({"", "t"}, {"id"}, {":c0"}), "DELETE FROM \"t\" WHERE \"id\" = :c0");
}

TEST(Dialect, SinkColumnTypes) {
  const Dialect postgres(DatabaseKind::kPostgres, true);
  const Dialect mysql(DatabaseKind::kMysql, true);
  EXPECT_EQ(postgres.column_type(*sdk::Schema::int8(), false), "SMALLINT");
  EXPECT_EQ(mysql.column_type(*sdk::Schema::int8(), false), "TINYINT");
  EXPECT_EQ(postgres.column_type(*sdk::Schema::float64(), false), "DOUBLE PRECISION");
  EXPECT_EQ(mysql.column_type(*sdk::Schema::string(), true), "VARCHAR(255)");
  EXPECT_EQ(mysql.column_type(*sdk::logical::decimal(2).build(), false), "DECIMAL(65,2)");
  EXPECT_EQ(mysql.column_type(*sdk::logical::timestamp().build(), false), "DATETIME(3)");
  EXPECT_EQ(postgres.column_type(*sdk::logical::date().build(), false), "DATE");
  EXPECT_THROW(postgres.column_type(*sdk::SchemaBuilder::struct_().build(), false),
               sdk::ConnectException);
}

}  // namespace
}  // namespace ferry::connectors::jdbc
