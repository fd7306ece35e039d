// The table of messages (message_schema.h explains why it is text). Transcribed from Apache
// Kafka's clients/src/main/resources/common/message/<Name>{Request,Response}.json, keeping their
// field names, types, versions, nullable versions, tags and defaults, but only for the versions
// this broker serves (the first line of each API): fields of later versions are left out.
//
// Grammar, one item a line, two spaces of indentation per level of nesting:
//   <Name> <api key> versions=<range> [flexible=<from>+]     an API
//   request | response                                          its two messages
//   <Field> <type> <range> [null=<range>] [tag=<n>] [default=<integer>|null]
// where <range> is "3", "3-7" or "3+", and <type> is bool, int8, int16, int32, int64, uuid,
// string, bytes, records, []int32, []int64, []string, [] (an array of the struct whose fields
// follow, indented) or {} (one such struct). Fields absent from a version decode as their default
// (0, or null with default=null).
//
// Versions served: what librdkafka 2.0.2, KafkaJS 2.x and kafka-python 2.0.2 negotiate
// (reference/connect.md 12.2), from version 0 where librdkafka's feature checks look for it.
// Produce starts at 3 and Fetch at 4: older versions carry message sets v0/v1, which this broker
// does not store (Kafka 4.0 removed them as well, KIP-896).

#include <string_view>

namespace ferry::broker::protocol {

extern const std::string_view kMessageDefinitions;

const std::string_view kMessageDefinitions = R"(
Produce 0 versions=3-7
request
  TransactionalId string 3+ null=3+ default=null
  Acks int16 0+
  TimeoutMs int32 0+
  TopicData [] 0+
    Name string 0+
    PartitionData [] 0+
      Index int32 0+
      Records records 0+ null=0+
response
  Responses [] 0+
    Name string 0+
    PartitionResponses [] 0+
      Index int32 0+
      ErrorCode int16 0+
      BaseOffset int64 0+
      LogAppendTimeMs int64 2+ default=-1
      LogStartOffset int64 5+ default=-1
  ThrottleTimeMs int32 1+

Fetch 1 versions=4-11
request
  ReplicaId int32 0+ default=-1
  MaxWaitMs int32 0+
  MinBytes int32 0+
  MaxBytes int32 3+ default=2147483647
  IsolationLevel int8 4+
  SessionId int32 7+
  SessionEpoch int32 7+ default=-1
  Topics [] 0+
    Topic string 0+
    Partitions [] 0+
      Partition int32 0+
      CurrentLeaderEpoch int32 9+ default=-1
      FetchOffset int64 0+
      LogStartOffset int64 5+ default=-1
      PartitionMaxBytes int32 0+
  ForgottenTopicsData [] 7+
    Topic string 7+
    Partitions []int32 7+
  RackId string 11+
response
  ThrottleTimeMs int32 1+
  ErrorCode int16 7+
  SessionId int32 7+
  Responses [] 0+
    Topic string 0+
    Partitions [] 0+
      PartitionIndex int32 0+
      ErrorCode int16 0+
      HighWatermark int64 0+
      LastStableOffset int64 4+ default=-1
      LogStartOffset int64 5+ default=-1
      AbortedTransactions [] 4+ null=4+
        ProducerId int64 4+
        FirstOffset int64 4+
      PreferredReadReplica int32 11+ default=-1
      Records records 0+ null=0+

ListOffsets 2 versions=0-5
request
  ReplicaId int32 0+
  IsolationLevel int8 2+
  Topics [] 0+
    Name string 0+
    Partitions [] 0+
      PartitionIndex int32 0+
      CurrentLeaderEpoch int32 4+ default=-1
      Timestamp int64 0+
      MaxNumOffsets int32 0 default=1
response
  ThrottleTimeMs int32 2+
  Topics [] 0+
    Name string 0+
    Partitions [] 0+
      PartitionIndex int32 0+
      ErrorCode int16 0+
      OldStyleOffsets []int64 0
      Timestamp int64 1+ default=-1
      Offset int64 1+ default=-1
      LeaderEpoch int32 4+ default=-1

Metadata 3 versions=0-8
request
  Topics [] 0+ null=1+
    Name string 0+
  AllowAutoTopicCreation bool 4+ default=1
  IncludeClusterAuthorizedOperations bool 8+
  IncludeTopicAuthorizedOperations bool 8+
response
  ThrottleTimeMs int32 3+
  Brokers [] 0+
    NodeId int32 0+
    Host string 0+
    Port int32 0+
    Rack string 1+ null=1+ default=null
  ClusterId string 2+ null=2+ default=null
  ControllerId int32 1+ default=-1
  Topics [] 0+
    ErrorCode int16 0+
    Name string 0+
    IsInternal bool 1+
    Partitions [] 0+
      ErrorCode int16 0+
      PartitionIndex int32 0+
      LeaderId int32 0+
      LeaderEpoch int32 7+ default=-1
      ReplicaNodes []int32 0+
      IsrNodes []int32 0+
      OfflineReplicas []int32 5+
    TopicAuthorizedOperations int32 8+ default=-2147483648
  ClusterAuthorizedOperations int32 8+ default=-2147483648

OffsetCommit 8 versions=0-7
request
  GroupId string 0+
  GenerationIdOrMemberEpoch int32 1+ default=-1
  MemberId string 1+
  GroupInstanceId string 7+ null=7+ default=null
  RetentionTimeMs int64 2-4 default=-1
  Topics [] 0+
    Name string 0+
    Partitions [] 0+
      PartitionIndex int32 0+
      CommittedOffset int64 0+
      CommittedLeaderEpoch int32 6+ default=-1
      CommitTimestamp int64 1 default=-1
      CommittedMetadata string 0+ null=0+
response
  ThrottleTimeMs int32 3+
  Topics [] 0+
    Name string 0+
    Partitions [] 0+
      PartitionIndex int32 0+
      ErrorCode int16 0+

OffsetFetch 9 versions=0-7 flexible=6+
request
  GroupId string 0+
  Topics [] 0+ null=2+
    Name string 0+
    PartitionIndexes []int32 0+
  RequireStable bool 7+
response
  ThrottleTimeMs int32 3+
  Topics [] 0+
    Name string 0+
    Partitions [] 0+
      PartitionIndex int32 0+
      CommittedOffset int64 0+
      CommittedLeaderEpoch int32 5+ default=-1
      Metadata string 0+ null=0+
      ErrorCode int16 0+
  ErrorCode int16 2+

FindCoordinator 10 versions=0-3 flexible=3+
request
  Key string 0+
  KeyType int8 1+
response
  ThrottleTimeMs int32 1+
  ErrorCode int16 0+
  ErrorMessage string 1+ null=1+ default=null
  NodeId int32 0+
  Host string 0+
  Port int32 0+

JoinGroup 11 versions=0-5
request
  GroupId string 0+
  SessionTimeoutMs int32 0+
  RebalanceTimeoutMs int32 1+ default=-1
  MemberId string 0+
  GroupInstanceId string 5+ null=5+ default=null
  ProtocolType string 0+
  Protocols [] 0+
    Name string 0+
    Metadata bytes 0+
response
  ThrottleTimeMs int32 2+
  ErrorCode int16 0+
  GenerationId int32 0+ default=-1
  ProtocolName string 0+
  Leader string 0+
  MemberId string 0+
  Members [] 0+
    MemberId string 0+
    GroupInstanceId string 5+ null=5+ default=null
    Metadata bytes 0+

Heartbeat 12 versions=0-3
request
  GroupId string 0+
  GenerationId int32 0+
  MemberId string 0+
  GroupInstanceId string 3+ null=3+ default=null
response
  ThrottleTimeMs int32 1+
  ErrorCode int16 0+

LeaveGroup 13 versions=0-3
request
  GroupId string 0+
  MemberId string 0-2
  Members [] 3+
    MemberId string 3+
    GroupInstanceId string 3+ null=3+ default=null
response
  ThrottleTimeMs int32 1+
  ErrorCode int16 0+
  Members [] 3+
    MemberId string 3+
    GroupInstanceId string 3+ null=3+ default=null
    ErrorCode int16 3+

SyncGroup 14 versions=0-3
request
  GroupId string 0+
  GenerationId int32 0+
  MemberId string 0+
  GroupInstanceId string 3+ null=3+ default=null
  Assignments [] 0+
    MemberId string 0+
    Assignment bytes 0+
response
  ThrottleTimeMs int32 1+
  ErrorCode int16 0+
  Assignment bytes 0+

DescribeGroups 15 versions=0-4
request
  Groups []string 0+
  IncludeAuthorizedOperations bool 3+
response
  ThrottleTimeMs int32 1+
  Groups [] 0+
    ErrorCode int16 0+
    GroupId string 0+
    GroupState string 0+
    ProtocolType string 0+
    ProtocolData string 0+
    Members [] 0+
      MemberId string 0+
      GroupInstanceId string 4+ null=4+ default=null
      ClientId string 0+
      ClientHost string 0+
      MemberMetadata bytes 0+
      MemberAssignment bytes 0+
    AuthorizedOperations int32 3+ default=-2147483648

ListGroups 16 versions=0-4 flexible=3+
request
  StatesFilter []string 4+
response
  ThrottleTimeMs int32 1+
  ErrorCode int16 0+
  Groups [] 0+
    GroupId string 0+
    ProtocolType string 0+
    GroupState string 4+

ApiVersions 18 versions=0-3 flexible=3+
request
  ClientSoftwareName string 3+
  ClientSoftwareVersion string 3+
response
  ErrorCode int16 0+
  ApiKeys [] 0+
    ApiKey int16 0+
    MinVersion int16 0+
    MaxVersion int16 0+
  ThrottleTimeMs int32 1+
  SupportedFeatures [] 3+ tag=0
    Name string 3+
    MinVersion int16 3+
    MaxVersion int16 3+
  FinalizedFeaturesEpoch int64 3+ tag=1 default=-1
  FinalizedFeatures [] 3+ tag=2
    Name string 3+
    MaxVersionLevel int16 3+
    MinVersionLevel int16 3+
  ZkMigrationReady bool 3+ tag=3

CreateTopics 19 versions=0-4
request
  Topics [] 0+
    Name string 0+
    NumPartitions int32 0+
    ReplicationFactor int16 0+
    Assignments [] 0+
      PartitionIndex int32 0+
      BrokerIds []int32 0+
    Configs [] 0+
      Name string 0+
      Value string 0+ null=0+
  TimeoutMs int32 0+ default=60000
  ValidateOnly bool 1+
response
  ThrottleTimeMs int32 2+
  Topics [] 0+
    Name string 0+
    ErrorCode int16 0+
    ErrorMessage string 1+ null=0+ default=null

DeleteTopics 20 versions=0-3
request
  TopicNames []string 0+
  TimeoutMs int32 0+
response
  ThrottleTimeMs int32 1+
  Responses [] 0+
    Name string 0+
    ErrorCode int16 0+

DeleteRecords 21 versions=0-2 flexible=2+
request
  Topics [] 0+
    Name string 0+
    Partitions [] 0+
      PartitionIndex int32 0+
      Offset int64 0+
  TimeoutMs int32 0+
response
  ThrottleTimeMs int32 0+
  Topics [] 0+
    Name string 0+
    Partitions [] 0+
      PartitionIndex int32 0+
      LowWatermark int64 0+
      ErrorCode int16 0+

InitProducerId 22 versions=0-4 flexible=2+
request
  TransactionalId string 0+ null=0+
  TransactionTimeoutMs int32 0+
  ProducerId int64 3+ default=-1
  ProducerEpoch int16 3+ default=-1
response
  ThrottleTimeMs int32 0+
  ErrorCode int16 0+
  ProducerId int64 0+ default=-1
  ProducerEpoch int16 0+

DescribeConfigs 32 versions=0-4 flexible=4+
request
  Resources [] 0+
    ResourceType int8 0+
    ResourceName string 0+
    ConfigurationKeys []string 0+ null=0+
  IncludeSynonyms bool 1+
  IncludeDocumentation bool 3+
response
  ThrottleTimeMs int32 0+
  Results [] 0+
    ErrorCode int16 0+
    ErrorMessage string 0+ null=0+ default=null
    ResourceType int8 0+
    ResourceName string 0+
    Configs [] 0+
      Name string 0+
      Value string 0+ null=0+
      ReadOnly bool 0+
      IsDefault bool 0
      ConfigSource int8 1+ default=-1
      IsSensitive bool 0+
      Synonyms [] 1+
        Name string 1+
        Value string 1+ null=1+
        Source int8 1+
      ConfigType int8 3+
      Documentation string 3+ null=3+ default=null

AlterConfigs 33 versions=0-2 flexible=2+
request
  Resources [] 0+
    ResourceType int8 0+
    ResourceName string 0+
    Configs [] 0+
      Name string 0+
      Value string 0+ null=0+
  ValidateOnly bool 0+
response
  ThrottleTimeMs int32 0+
  Responses [] 0+
    ErrorCode int16 0+
    ErrorMessage string 0+ null=0+ default=null
    ResourceType int8 0+
    ResourceName string 0+

CreatePartitions 37 versions=0-3 flexible=2+
request
  Topics [] 0+
    Name string 0+
    Count int32 0+
    Assignments [] 0+ null=0+
      BrokerIds []int32 0+
  TimeoutMs int32 0+
  ValidateOnly bool 0+
response
  ThrottleTimeMs int32 0+
  Results [] 0+
    Name string 0+
    ErrorCode int16 0+
    ErrorMessage string 0+ null=0+ default=null

DeleteGroups 42 versions=0-2 flexible=2+
request
  GroupsNames []string 0+
response
  ThrottleTimeMs int32 0+
  Results [] 0+
    GroupId string 0+
    ErrorCode int16 0+

IncrementalAlterConfigs 44 versions=0-1 flexible=1+
request
  Resources [] 0+
    ResourceType int8 0+
    ResourceName string 0+
    Configs [] 0+
      Name string 0+
      ConfigOperation int8 0+
      Value string 0+ null=0+
  ValidateOnly bool 0+
response
  ThrottleTimeMs int32 0+
  Responses [] 0+
    ErrorCode int16 0+
    ErrorMessage string 0+ null=0+ default=null
    ResourceType int8 0+
    ResourceName string 0+

OffsetDelete 47 versions=0
request
  GroupId string 0+
  Topics [] 0+
    Name string 0+
    Partitions [] 0+
      PartitionIndex int32 0+
response
  ErrorCode int16 0+
  ThrottleTimeMs int32 0+
  Topics [] 0+
    Name string 0+
    Partitions [] 0+
      PartitionIndex int32 0+
      ErrorCode int16 0+
)";

}  // namespace ferry::broker::protocol
