//! Walking a YAML document field by field: each reader takes the keys it maps, and whatever is
//! left is reported, so no key is dropped unseen.

use yaml_serde::{Mapping, Value};

use crate::{Failure, FieldError};

/// Parses `text` as one YAML document, with `<<` merge keys applied.
pub(crate) fn parse(text: &str) -> Result<Value, Failure> {
    let mut value: Value = yaml_serde::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        Failure::Syntax { line, column, message: e.to_string() }
    })?;
    value.apply_merge().map_err(|e| Failure::Syntax { line: 1, column: 1, message: e.to_string() })?;
    Ok(value)
}

/// The error for a field at `at`.
pub(crate) fn bad(at: &str, message: impl Into<String>) -> FieldError {
    (at.to_owned(), message.into())
}

/// A scalar as text: strings as they are, numbers and booleans as YAML writes them.
pub(crate) fn scalar(value: &Value, at: &str) -> Result<String, FieldError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(bad(at, "expected a string")),
    }
}

/// A mapping being read: the keys not taken yet are what is left to report.
#[derive(Debug)]
pub(crate) struct Fields {
    map: Mapping,
    at: String,
}

impl Fields {
    /// `value` must be a mapping (or empty); `at` names it in errors.
    pub(crate) fn new(value: Value, at: &str) -> Result<Self, FieldError> {
        match value {
            Value::Mapping(map) => Ok(Self { map, at: at.to_owned() }),
            Value::Null => Ok(Self { map: Mapping::new(), at: at.to_owned() }),
            _ => Err(bad(at, "expected a mapping")),
        }
    }

    /// Where `key` is, for errors: `processes.api.command`.
    pub(crate) fn at(&self, key: &str) -> String {
        if self.at.is_empty() { key.to_owned() } else { format!("{}.{key}", self.at) }
    }

    /// Takes `key`; an explicit `null` counts as absent.
    pub(crate) fn take(&mut self, key: &str) -> Option<Value> {
        self.map.shift_remove(key).filter(|v| !v.is_null())
    }

    /// Takes `key` as text.
    pub(crate) fn string(&mut self, key: &str) -> Result<Option<String>, FieldError> {
        self.take(key).map(|v| scalar(&v, &self.at(key))).transpose()
    }

    /// Takes `key` as a whole number of at least 0.
    pub(crate) fn uint(&mut self, key: &str) -> Result<Option<u64>, FieldError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
            Some(Value::String(s)) if s.trim().parse::<u64>().is_ok() => Ok(s.trim().parse().ok()),
            Some(_) => Err(bad(&self.at(key), "expected a whole number")),
        }
    }

    /// Takes `key` as a boolean.
    pub(crate) fn bool(&mut self, key: &str) -> Result<Option<bool>, FieldError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(bad(&self.at(key), "expected true or false")),
        }
    }

    /// Takes `key` as a mapping.
    pub(crate) fn mapping(&mut self, key: &str) -> Result<Option<Fields>, FieldError> {
        let at = self.at(key);
        self.take(key).map(|v| Fields::new(v, &at)).transpose()
    }

    /// The keys not taken, in file order (non-string keys as YAML writes them).
    pub(crate) fn rest(self) -> Vec<(String, Value)> {
        self.map
            .into_iter()
            .map(|(k, v)| {
                let key = match k {
                    Value::String(s) => s,
                    other => yaml_serde::to_string(&other).unwrap_or_default().trim().to_owned(),
                };
                (key, v)
            })
            .collect()
    }

    /// The entries, in file order, each with its key as text and its value.
    pub(crate) fn entries(self) -> Result<Vec<(String, Value)>, FieldError> {
        let at = self.at.clone();
        self.map.into_iter().map(|(k, v)| Ok((scalar(&k, &at)?, v))).collect()
    }
}
