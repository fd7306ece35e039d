// KafkaJS (npm kafkajs 2.2) against a Ferry broker, as a Node service uses it: the admin creates
// a topic of three partitions, an idempotent producer sends keyed JSON values (gzip-compressed
// batches), and two consumers of one group share the partitions, commit, and after a restart of
// the group read only what came after the commit.
//
//   node group_round_trip.js HOST:PORT
//
// Prints one "ok: ..." line per step and exits 0, or prints "FAILED: ..." and exits 1. Exits 77
// (ctest's skip code) when kafkajs is not installed (scripts/install-deps.sh installs it).
'use strict';

const { execSync } = require('child_process');
const path = require('path');

function loadKafkaJs() {
  try {
    return require('kafkajs');
  } catch (error) {
    // Installed globally by scripts/install-deps.sh.
    const root = execSync('npm root -g').toString().trim();
    return require(path.join(root, 'kafkajs'));
  }
}

let kafkajs;
try {
  kafkajs = loadKafkaJs();
} catch (error) {
  console.log('kafkajs is not installed: ' + error.message);
  process.exit(77);
}
const { Kafka, logLevel, CompressionTypes } = kafkajs;

const broker = process.argv[2];
if (!broker) {
  console.log('usage: node group_round_trip.js HOST:PORT');
  process.exit(2);
}

const topic = 'kafkajs-orders';
const groupId = 'kafkajs-group';
const keys = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
const perKey = 50;
const kafka = new Kafka({
  clientId: 'ferry-kafkajs-test',
  brokers: [broker],
  logLevel: logLevel.ERROR,
  retry: { retries: 5, initialRetryTime: 100 },
});

function fail(message) {
  throw new Error(message);
}

function waitFor(condition, what, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const check = () => {
      if (condition()) return resolve();
      if (Date.now() > deadline) return reject(new Error('timed out waiting for ' + what));
      setTimeout(check, 50);
    };
    check();
  });
}

// Sends perKey values for every key (value: {"key":..,"seq":n}), in rounds so that every
// partition gets records interleaved with the others.
async function produce(producer, firstSeq) {
  for (let seq = firstSeq; seq < firstSeq + perKey; seq += 10) {
    const messages = [];
    for (let n = seq; n < seq + 10; ++n) {
      for (const key of keys) messages.push({ key, value: JSON.stringify({ key, seq: n }) });
    }
    await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages });
  }
}

// Runs the group's consumers until `expected` records arrived; returns them by key in arrival
// order, and the partitions each member was given.
async function consumeGroup(members, expected) {
  const byKey = new Map();
  const assignments = [];
  let received = 0;
  const consumers = [];
  for (let i = 0; i < members; ++i) {
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 10000,
      heartbeatInterval: 500,
      rebalanceTimeout: 10000,
      // disconnect() waits for the fetch in flight: keep the long poll short.
      maxWaitTimeInMs: 200,
    });
    const assigned = new Set();
    assignments.push(assigned);
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      assigned.clear();
      for (const partition of event.payload.memberAssignment[topic] || []) assigned.add(partition);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    consumers.push(consumer);
  }
  await Promise.all(
    consumers.map((consumer) =>
      consumer.run({
        autoCommit: true,
        autoCommitInterval: 100,
        eachMessage: async ({ partition, message }) => {
          const key = message.key.toString();
          const value = JSON.parse(message.value.toString());
          if (value.key !== key) fail('key ' + key + ' carries the value of ' + value.key);
          if (!byKey.has(key)) byKey.set(key, { partition, seqs: [] });
          const entry = byKey.get(key);
          if (entry.partition !== partition) {
            fail('key ' + key + ' arrived on partitions ' + entry.partition + ' and ' + partition);
          }
          entry.seqs.push(value.seq);
          ++received;
        },
      }),
    ),
  );
  await waitFor(() => received >= expected, expected + ' records (got ' + received + ')');
  // Let the last auto-commit go out, then leave the group.
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const consumer of consumers) await consumer.disconnect();
  if (received !== expected) fail('received ' + received + ' records, expected ' + expected);
  return { byKey, assignments };
}

function checkOrder(byKey, firstSeq) {
  for (const key of keys) {
    const entry = byKey.get(key);
    if (!entry) fail('no record of key ' + key);
    const expected = Array.from({ length: perKey }, (_, i) => firstSeq + i);
    if (JSON.stringify(entry.seqs) !== JSON.stringify(expected)) {
      fail('key ' + key + ' arrived as ' + entry.seqs.join(',') + ', expected ' + expected.join(','));
    }
  }
}

async function main() {
  const admin = kafka.admin();
  await admin.connect();
  const created = await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
  if (!created) fail('createTopics says the topic existed');
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  if (metadata.topics[0].partitions.length !== 3) fail('the topic does not have 3 partitions');
  console.log('ok: admin created ' + topic + ' with 3 partitions');

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await produce(producer, 0);
  console.log('ok: idempotent producer sent ' + keys.length * perKey + ' gzip records');

  const first = await consumeGroup(2, keys.length * perKey);
  checkOrder(first.byKey, 0);
  const [one, two] = first.assignments;
  if (one.size === 0 || two.size === 0) {
    fail('the two members were given ' + [...one] + ' and ' + [...two]);
  }
  for (const partition of one) {
    if (two.has(partition)) fail('partition ' + partition + ' was given to both members');
  }
  if (one.size + two.size !== 3) fail('the members were given ' + [...one] + ' and ' + [...two]);
  console.log('ok: two members shared the partitions (' + [...one] + ' | ' + [...two] +
              '), every key in order on one partition');

  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committed = offsets[0].partitions.reduce((sum, p) => sum + Number(p.offset), 0);
  if (committed !== keys.length * perKey) fail('the group committed ' + committed + ' records');
  console.log('ok: the group committed every offset');

  await produce(producer, perKey);
  await producer.disconnect();
  const second = await consumeGroup(1, keys.length * perKey);
  checkOrder(second.byKey, perKey);
  console.log('ok: after a restart the group read only the new records');
  await admin.disconnect();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.log('FAILED: ' + (error.stack || error));
    process.exit(1);
  },
);
