// Initiate the replica set rs0 once (mongo-init runs this at every `up`; it is idempotent).
try {
  rs.status();
  print("replica set rs0 already initiated");
} catch (e) {
  rs.initiate({
    _id: "rs0",
    members: [
      { _id: 0, host: "mongo-1:27017", priority: 2 },
      { _id: 1, host: "mongo-2:27017" },
      { _id: 2, host: "mongo-3:27017" },
    ],
  });
  print("replica set rs0 initiated");
}
// Wait for a primary: the services' transactions need one.
for (let i = 0; i < 60 && !db.hello().isWritablePrimary && !db.hello().primary; i++) sleep(1000);
