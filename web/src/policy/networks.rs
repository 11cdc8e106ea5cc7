//! Endpoints for operators, not shifters: `/metrics` and the list of everyone's jobs
//! (`GET /jobs`) answer only clients on the networks of the `internal_networks` setting. The
//! client is the connection's peer: behind a reverse proxy that is the proxy, which must apply
//! the same rule itself (deploy/nginx.conf does).

use super::refusal;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web;
use std::net::IpAddr;

/// A list of networks (CIDR blocks such as `127.0.0.0/8` or `::1/128`; a bare address is a
/// network of one).
#[derive(Debug, Clone, PartialEq)]
pub struct Networks(Vec<(IpAddr, u8)>);

impl Networks {
    /// Parse a comma- or space-separated list; an empty list admits nobody.
    pub fn parse(list: &str) -> Result<Networks, String> {
        list.split([',', ' ', '\t', '\n'])
            .filter(|s| !s.is_empty())
            .map(parse_network)
            .collect::<Result<_, _>>()
            .map(Networks)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 client of a dual-stack socket shows as ::ffff:a.b.c.d.
        let ip = ip.to_canonical();
        self.0.iter().any(|&(net, len)| in_network(ip, net, len))
    }
}

fn parse_network(s: &str) -> Result<(IpAddr, u8), String> {
    let bad = || format!("`{s}` is not a network (expected e.g. 10.0.0.0/8 or ::1/128)");
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let ip: IpAddr = addr.parse().map_err(|_| bad())?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = match len {
        Some(l) => l.parse::<u8>().ok().filter(|l| *l <= max).ok_or_else(bad)?,
        None => max,
    };
    Ok((ip, len))
}

fn in_network(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            prefix_eq(a.to_bits().into(), n.to_bits().into(), len, 32)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => prefix_eq(a.to_bits(), n.to_bits(), len, 128),
        _ => false,
    }
}

fn prefix_eq(a: u128, n: u128, len: u8, bits: u32) -> bool {
    let shift = bits - u32::from(len);
    shift >= bits || (a >> shift) == (n >> shift)
}

/// The operator endpoints: `/metrics`, and `GET /jobs` (one job by id stays open to all).
fn is_internal_endpoint(req: &ServiceRequest) -> bool {
    let path = req.path().trim_end_matches('/');
    path == "/metrics" || (path == "/jobs" && matches!(*req.method(), Method::GET | Method::HEAD))
}

pub async fn internal_only(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if is_internal_endpoint(&req) {
        let allowed = req
            .app_data::<web::Data<Networks>>()
            .is_some_and(|nets| req.peer_addr().is_some_and(|peer| nets.contains(peer.ip())));
        if !allowed {
            let res = refusal(
                StatusCode::FORBIDDEN,
                "This endpoint answers only clients on the internal networks",
            );
            return Ok(req.into_response(res));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn membership_by_prefix() {
        let nets = Networks::parse("127.0.0.0/8, ::1/128 10.1.0.0/16").unwrap();
        for yes in [
            "127.0.0.1",
            "127.255.0.9",
            "::1",
            "10.1.200.3",
            "::ffff:127.0.0.1",
        ] {
            assert!(nets.contains(ip(yes)), "{yes}");
        }
        for no in [
            "128.0.0.1",
            "10.2.0.1",
            "::2",
            "192.168.1.1",
            "::ffff:10.2.0.1",
        ] {
            assert!(!nets.contains(ip(no)), "{no}");
        }
        let all = Networks::parse("0.0.0.0/0").unwrap();
        assert!(all.contains(ip("203.0.113.7")));
        assert!(!all.contains(ip("2001:db8::1")));
        let one = Networks::parse("192.0.2.7").unwrap();
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        assert!(!Networks::parse("").unwrap().contains(ip("127.0.0.1")));
    }

    #[test]
    fn the_default_setting_is_loopback_only() {
        let settings = velo_config::Settings::load_from(|_| None).unwrap();
        let nets = Networks::parse(&settings.internal_networks).unwrap();
        assert!(nets.contains(ip("127.0.0.1")) && nets.contains(ip("::1")));
        assert!(!nets.contains(ip("10.0.0.1")) && !nets.contains(ip("192.0.2.2")));
    }

    #[test]
    fn malformed_networks_are_refused_by_name() {
        for bad in [
            "10.0.0.0/33",
            "::1/129",
            "localhost",
            "10.0.0/8",
            "10.0.0.0/x",
        ] {
            let e = Networks::parse(bad).unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
    }
}
