//! Micro-benchmarks of the hot inner operations, with criterion: the canonical encoding of a record, the
//! strict signature check against dalek's batch verification, Merkle appends, roots and proofs over an
//! in-memory node store. `cargo bench -p trace-core`; the end-to-end figures come from `trace-bench`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use trace_core::merkle::{self, Hash};
use trace_core::*;

fn key(n: u8) -> SecretKey {
    SecretKey::from_seed([n; 32])
}

/// A shipment of a cut to a stall, a typical record (about 300 bytes encoded).
fn shipment(n: u64) -> Record {
    let origin: Origin = "bench.trace.example/ledger".parse().unwrap();
    let parent = RecordId(encoding::sha256(&n.to_le_bytes()));
    let event = Event::Shipped(Shipped {
        batch: BatchId::derive(&parent, 0),
        quantity: Quantity::new(60, Unit::Kg),
        to: Party::Member(key(2).public()),
        from_place: "Xihu designated slaughterhouse".into(),
        to_place: "Caitun market, stall 12".into(),
        document: format!("WB-{n:08}"),
        carrier: Some(key(3).public()),
        certificates: Vec::new(),
    });
    sign_event(&key(1), &origin, Time(1_761_926_400_000 + n), vec![parent], event)
}

fn encoding(c: &mut Criterion) {
    let r = shipment(1);
    let bytes = r.encoded().to_vec();
    let mut g = c.benchmark_group("encoding");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("encode_body", |b| b.iter(|| black_box(r.body()).encode()));
    g.bench_function("decode_record", |b| b.iter(|| Record::decode(black_box(&bytes)).unwrap()));
    let entry = LogEntry { index: 7, accepted: Time(1), prev: EntryHash::ZERO, record: r.clone() };
    let leaf = entry.leaf_data();
    g.bench_function("decode_log_entry", |b| b.iter(|| LogEntry::decode(black_box(&leaf)).unwrap()));
    g.bench_function("leaf_hash", |b| b.iter(|| encoding::leaf_hash(black_box(&leaf))));
    g.finish();
}

fn verify(c: &mut Criterion) {
    let records: Vec<Record> = (0..256).map(shipment).collect();
    let mut g = c.benchmark_group("verify");
    g.throughput(Throughput::Elements(1));
    g.bench_function("record_verify_strict", |b| b.iter(|| black_box(&records[0]).verify_signature().unwrap()));
    let messages: Vec<Vec<u8>> = records.iter().map(Record::signed_bytes).collect();
    let msgs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let sigs: Vec<ed25519_dalek::Signature> =
        records.iter().map(|r| ed25519_dalek::Signature::from_bytes(&r.signature().0)).collect();
    let keys: Vec<ed25519_dalek::VerifyingKey> = records.iter().map(|r| r.body().author.verifying_key()).collect();
    g.throughput(Throughput::Elements(records.len() as u64));
    g.bench_function("dalek_verify_batch_256", |b| {
        b.iter(|| ed25519_dalek::verify_batch(black_box(&msgs), &sigs, &keys).unwrap())
    });
    g.bench_function("record_verify_strict_256", |b| {
        b.iter(|| records.iter().for_each(|r| r.verify_signature().unwrap()))
    });
    g.finish();
}

/// An in-memory tree of `n` leaves: the stored complete subtrees.
fn tree(n: u64) -> HashMap<(u8, u64), Hash> {
    let mut nodes = HashMap::new();
    for i in 0..n {
        let leaf = encoding::leaf_hash(&i.to_le_bytes());
        let src = |l: u8, x: u64| Ok::<Hash, Error>(nodes[&(l, x)]);
        let new = merkle::append_nodes(&src, i, leaf).unwrap();
        for (l, x, h) in new {
            nodes.insert((l, x), h);
        }
    }
    nodes
}

fn merkle_tree(c: &mut Criterion) {
    let n = 1 << 16;
    let nodes = tree(n);
    let src = |l: u8, x: u64| Ok::<Hash, Error>(nodes[&(l, x)]);
    let mut g = c.benchmark_group("merkle");
    g.bench_function("append_1024_leaves", |b| {
        b.iter_batched(
            || nodes.clone(),
            |mut nodes| {
                for i in n..n + 1024 {
                    let src = |l: u8, x: u64| Ok::<Hash, Error>(nodes[&(l, x)]);
                    let new = merkle::append_nodes(&src, i, [1; 32]).unwrap();
                    for (l, x, h) in new {
                        nodes.insert((l, x), h);
                    }
                }
                nodes
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("root_65535", |b| b.iter(|| merkle::root(&src, black_box(n - 1)).unwrap()));
    let root = merkle::root(&src, n).unwrap();
    g.bench_function("inclusion_proof", |b| b.iter(|| merkle::inclusion_proof(&src, black_box(12_345), n).unwrap()));
    let proof = merkle::inclusion_proof(&src, 12_345, n).unwrap();
    let leaf = encoding::leaf_hash(&12_345u64.to_le_bytes());
    g.bench_function("verify_inclusion", |b| {
        b.iter(|| merkle::verify_inclusion(&leaf, 12_345, n, black_box(&proof), &root).unwrap())
    });
    g.bench_function("consistency_proof", |b| {
        b.iter(|| merkle::consistency_proof(&src, black_box(40_000), n).unwrap())
    });
    g.finish();
}

criterion_group!(benches, encoding, verify, merkle_tree);
criterion_main!(benches);
