//! The bounded ring of a tunnel's recorded exchanges: ids handed out as requests arrive, exchanges
//! kept in the order they end (a slow one is recorded after quicker ones that came later), the
//! oldest dropped past the capacity.

use std::collections::VecDeque;

use nexsock_proto::Exchange;

/// The last exchanges of one tunnel, in the order they were recorded.
#[derive(Debug)]
pub struct Ring {
    capacity: usize,
    last_id: u64,
    items: VecDeque<Exchange>,
}

impl Ring {
    /// An empty ring that keeps at most `capacity` exchanges.
    pub fn new(capacity: usize) -> Self {
        Self { capacity, last_id: 0, items: VecDeque::new() }
    }

    /// The id of the next exchange (from 1, increasing).
    pub fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    /// Records `exchange` as the newest, dropping the oldest past the capacity.
    pub fn push(&mut self, exchange: Exchange) {
        self.items.push_back(exchange);
        while self.items.len() > self.capacity {
            self.items.pop_front();
        }
    }

    /// The exchange `id`, while the ring still holds it.
    pub fn get(&self, id: u64) -> Option<&Exchange> {
        self.items.iter().find(|e| e.id == id)
    }

    /// Those recorded after the exchange `after` (all when there is none, or the ring no longer
    /// holds it), the newest `limit` of them, in the order they were recorded.
    pub fn recent(&self, limit: Option<usize>, after: Option<u64>) -> Vec<Exchange> {
        let from = after.and_then(|id| self.items.iter().position(|e| e.id == id)).map_or(0, |at| at + 1);
        let newer = self.items.len() - from;
        let skip = limit.map_or(0, |n| newer.saturating_sub(n));
        self.items.iter().skip(from + skip).cloned().collect()
    }

    /// How many it holds.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use nexsock_proto::BodyRecord;

    use super::*;

    fn exchange(id: u64) -> Exchange {
        Exchange {
            id,
            service: "web".into(),
            time_ms: 0,
            method: "GET".into(),
            path: format!("/{id}"),
            status: 200,
            duration_ms: 0,
            client_addr: None,
            via: nexsock_proto::ExchangeSource::Tunnel,
            replay_of: None,
            error: None,
            request_headers: Vec::new(),
            request_body: BodyRecord::default(),
            response_headers: Vec::new(),
            response_body: BodyRecord::default(),
        }
    }

    fn ids(list: &[Exchange]) -> Vec<u64> {
        list.iter().map(|e| e.id).collect()
    }

    #[test]
    fn the_ring_keeps_only_the_newest_up_to_its_capacity() {
        let mut ring = Ring::new(500);
        for _ in 0..520 {
            let id = ring.next_id();
            ring.push(exchange(id));
        }
        assert_eq!(ring.len(), 500);
        let all = ring.recent(None, None);
        assert_eq!((all[0].id, all[499].id), (21, 520), "the oldest 20 were dropped");
        assert!(ring.get(20).is_none() && ring.get(21).is_some());
    }

    #[test]
    fn exchanges_are_listed_in_the_order_they_ended_and_followed_from_the_last_one_seen() {
        let mut ring = Ring::new(3);
        let (a, b, c, d) = (ring.next_id(), ring.next_id(), ring.next_id(), ring.next_id());
        for id in [b, d, a, c] {
            ring.push(exchange(id));
        }
        assert_eq!(ids(&ring.recent(None, None)), [d, a, c], "the first recorded left first");
        assert_eq!(ids(&ring.recent(Some(2), None)), [a, c]);
        // A follower that saw `d` still gets `a`, which came before it but ended after it.
        assert_eq!(ids(&ring.recent(None, Some(d))), [a, c]);
        assert_eq!(ids(&ring.recent(Some(1), Some(d))), [c]);
        assert_eq!(ids(&ring.recent(None, Some(c))), Vec::<u64>::new());
        assert_eq!(ids(&ring.recent(None, Some(b))), [d, a, c], "one that left the ring: all");
    }
}
