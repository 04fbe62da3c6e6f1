//! The client's address behind load balancers. Each proxy appends the address it received
//! the request from to `X-Forwarded-For`, so only the entries our own proxies appended can
//! be believed: counting `hops` trusted proxies from the right, the client is the entry
//! the outermost of them appended. Anything left of it was written by the client and may
//! be anything (MDN, "X-Forwarded-For: Selecting an IP address").

use std::net::{IpAddr, SocketAddr};

/// The client address from the `X-Forwarded-For` header values (in the order received,
/// several headers concatenate) behind `hops` trusted proxies; None when the header is
/// missing, holds fewer entries than the proxies that must have appended to it, or the
/// chosen entry is not an IP address (with or without a port). The caller then falls back
/// to the peer: the balancer's own address, one budget shared by everyone behind it.
pub fn client_addr<'a>(values: impl IntoIterator<Item = &'a str>, hops: usize) -> Option<String> {
    let entries: Vec<&str> = values
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let hops = hops.max(1);
    let chosen = entries.len().checked_sub(hops).map(|i| entries[i])?;
    // Some balancers append the port too (`203.0.113.7:41234`, `[2001:db8::1]:443`).
    chosen
        .parse::<IpAddr>()
        .or_else(|_| chosen.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::client_addr;

    #[test]
    fn behind_one_proxy_the_rightmost_entry_is_the_client() {
        assert_eq!(
            client_addr(["203.0.113.7"], 1).as_deref(),
            Some("203.0.113.7")
        );
        // A client that sends its own header cannot choose its address.
        assert_eq!(
            client_addr(["198.51.100.99, 203.0.113.7"], 1).as_deref(),
            Some("203.0.113.7")
        );
    }

    #[test]
    fn behind_two_proxies_the_second_from_the_right_is_the_client() {
        assert_eq!(
            client_addr(["1.2.3.4, 203.0.113.7, 10.0.0.2"], 2).as_deref(),
            Some("203.0.113.7")
        );
        // Fewer entries than trusted proxies: the header was not written by them.
        assert_eq!(client_addr(["203.0.113.7"], 2), None);
    }

    #[test]
    fn several_headers_are_read_as_one_list() {
        assert_eq!(
            client_addr(["198.51.100.99", "203.0.113.7"], 1).as_deref(),
            Some("203.0.113.7")
        );
    }

    #[test]
    fn what_is_not_an_address_is_not_believed() {
        assert_eq!(client_addr(["203.0.113.7, not-an-ip"], 1), None);
        assert_eq!(client_addr([""], 1), None);
        assert_eq!(client_addr(Vec::<&str>::new(), 1), None);
        assert_eq!(
            client_addr(["2001:db8::1"], 1).as_deref(),
            Some("2001:db8::1")
        );
    }
}
