//! Cross-language vectors: for every vector in tests/vectors/*.json, decode its bytes
//! with the generated read view and compare every field with the JSON, then write every
//! field through the generated write view into a zeroed buffer and compare the bytes.
//! The per-vector tests are written by build.rs (see there); the helpers they call are here.

use serde_json::Value;
use std::fs;

/// The fields and bytes of vector `index` of tests/vectors/<schema>.json.
fn load(schema: &str, index: usize) -> (Value, Vec<u8>) {
    let path = format!("{}/{schema}.json", env!("VECTORS_DIR"));
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let vector = &doc["vectors"][index];
    let hex = vector["hex"].as_str().expect("\"hex\" is a string");
    assert!(hex.len().is_multiple_of(2), "{path}: odd hex length");
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits"))
        .collect();
    (vector["fields"].clone(), bytes)
}

fn unhex(hex: &str) -> Vec<u8> {
    assert!(hex.len().is_multiple_of(2), "odd hex length");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits"))
        .collect()
}

/// Entry `index` of the list `key` ("text_refused", "text_invalid") of
/// tests/vectors/<schema>.json, and its record's bytes.
fn load_rule(schema: &str, key: &str, index: usize) -> (Value, Vec<u8>) {
    let path = format!("{}/{schema}.json", env!("VECTORS_DIR"));
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let rule = doc[key][index].clone();
    let bytes = unhex(rule["hex"].as_str().expect("\"hex\" is a string"));
    (rule, bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn arr(v: &Value) -> &Vec<Value> {
    v.as_array().expect("a JSON list")
}

fn text(v: &Value) -> &str {
    v.as_str().expect("text is a JSON string")
}

/// A field value as the vectors encode it: integers as decimal strings, floats as numbers
/// or "nan"/"inf"/"-inf", booleans as true/false.
trait FromJson: Sized {
    fn from_json(v: &Value) -> Self;
}

fn json<T: FromJson>(v: &Value) -> T {
    T::from_json(v)
}

macro_rules! ints {
    ($($t:ty),*) => {$(
        impl FromJson for $t {
            fn from_json(v: &Value) -> Self {
                let s = v.as_str().unwrap_or_else(|| panic!("integer {v} is not a JSON string"));
                s.parse().unwrap_or_else(|e| panic!("{s:?} as {}: {e}", stringify!($t)))
            }
        }
    )*};
}
ints!(u8, u16, u32, u64, i8, i16, i32, i64);

fn float(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "nan" => f64::NAN,
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        _ => v
            .as_f64()
            .unwrap_or_else(|| panic!("float {v} is not a number")),
    }
}

impl FromJson for f64 {
    fn from_json(v: &Value) -> Self {
        float(v)
    }
}

impl FromJson for f32 {
    fn from_json(v: &Value) -> Self {
        let x = float(v);
        #[allow(clippy::cast_possible_truncation)]
        let y = x as f32;
        assert!(x.is_nan() || f64::from(y) == x, "{v} is not exactly an f32");
        y
    }
}

impl FromJson for bool {
    fn from_json(v: &Value) -> Self {
        v.as_bool()
            .unwrap_or_else(|| panic!("bool {v} is not true/false"))
    }
}

/// Compares a value read through a view with the JSON: bit for bit for floats (so -0.0
/// and 0.0 differ), any NaN for "nan".
trait Check {
    fn check(self, want: &Value, path: &str);
}

macro_rules! exact {
    ($($t:ty),*) => {$(
        impl Check for $t {
            fn check(self, want: &Value, path: &str) {
                assert_eq!(self, json::<$t>(want), "{path}");
            }
        }
    )*};
}
exact!(u8, u16, u32, u64, i8, i16, i32, i64, bool);

impl Check for f64 {
    fn check(self, want: &Value, path: &str) {
        let w: f64 = json(want);
        if w.is_nan() {
            assert!(self.is_nan(), "{path}: {self} is not NaN");
        } else {
            assert_eq!(self.to_bits(), w.to_bits(), "{path}: {self} != {w}");
        }
    }
}

impl Check for f32 {
    fn check(self, want: &Value, path: &str) {
        let w: f32 = json(want);
        if w.is_nan() {
            assert!(self.is_nan(), "{path}: {self} is not NaN");
        } else {
            assert_eq!(self.to_bits(), w.to_bits(), "{path}: {self} != {w}");
        }
    }
}

fn check<T: Check>(got: T, want: &Value, path: &str) {
    got.check(want, path);
}

/// Every schema with vectors must have at least two per struct type (COMPILER.md).
#[test]
fn every_vector_file_has_vectors() {
    let dir = env!("VECTORS_DIR");
    let mut files = 0;
    for entry in fs::read_dir(dir).expect("vectors dir").flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        files += 1;
        let doc: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let list = doc["vectors"].as_array().expect("\"vectors\" list");
        assert!(!list.is_empty(), "{}: no vectors", path.display());
    }
    assert!(files > 0, "no vector files in {dir}");
}

include!(concat!(env!("OUT_DIR"), "/vector_tests.rs"));
