//! VELO sensor numbers: which exist, what they measure, and how R and Φ sensors pair up.
//!
//! The physical set is 42 R sensors (0–41), 42 Φ sensors (64–105) and 4 pile-up sensors
//! (128–131). The original veloview accepted 0–46 and 64–106: those extra numbers name no
//! sensor, no Vetra output holds plots for them, and a shifter typing one would only get "plot
//! not found". We reject them up front, with a message saying which numbers exist. See
//! docs/RUN_MODEL.md.

use std::ops::RangeInclusive;

pub const R_SENSORS: RangeInclusive<u32> = 0..=41;
pub const PHI_SENSORS: RangeInclusive<u32> = 64..=105;
pub const PILE_UP_SENSORS: RangeInclusive<u32> = 128..=131;

/// Offset between an R sensor and the Φ sensor on the same module.
const PHI_OFFSET: u32 = 64;

/// What a sensor measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SensorType {
    R,
    Phi,
    /// Pile-up veto sensors: R geometry, but no Φ partner.
    PileUp,
}

impl SensorType {
    /// "R", "Φ", "pile-up": as the pages label sensors.
    pub fn label(self) -> &'static str {
        match self {
            SensorType::R => "R",
            SensorType::Phi => "Φ",
            SensorType::PileUp => "pile-up",
        }
    }
}

/// The type of `sensor`, or `None` for a number that names no sensor.
pub fn sensor_type(sensor: u32) -> Option<SensorType> {
    if R_SENSORS.contains(&sensor) {
        Some(SensorType::R)
    } else if PHI_SENSORS.contains(&sensor) {
        Some(SensorType::Phi)
    } else if PILE_UP_SENSORS.contains(&sensor) {
        Some(SensorType::PileUp)
    } else {
        None
    }
}

pub fn is_valid(sensor: u32) -> bool {
    sensor_type(sensor).is_some()
}

/// Every sensor number, ascending: R, then Φ, then pile-up.
pub fn all() -> impl Iterator<Item = u32> {
    R_SENSORS.chain(PHI_SENSORS).chain(PILE_UP_SENSORS)
}

/// The Φ sensor of an R sensor's module and vice versa (±64). Pile-up sensors have none.
pub fn corresponding(sensor: u32) -> Option<u32> {
    match sensor_type(sensor)? {
        SensorType::R => Some(sensor + PHI_OFFSET),
        SensorType::Phi => Some(sensor - PHI_OFFSET),
        SensorType::PileUp => None,
    }
}

/// The message for a sensor number that names no sensor.
pub fn invalid_message(sensor: impl std::fmt::Display) -> String {
    format!(
        "Invalid sensor number provided: {sensor} (sensors are R 0-41, Phi 64-105, pile-up 128-131)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_physical_set_and_nothing_else() {
        let all: Vec<u32> = all().collect();
        assert_eq!(all.len(), 42 + 42 + 4);
        for s in 0..=1000 {
            assert_eq!(is_valid(s), all.contains(&s), "sensor {s}");
        }
        // Accepted by the original, rejected here on purpose.
        for s in [42, 43, 44, 45, 46, 106] {
            assert!(!is_valid(s), "{s}");
        }
        assert!(!is_valid(u32::MAX));
    }

    #[test]
    fn types() {
        assert_eq!(sensor_type(0), Some(SensorType::R));
        assert_eq!(sensor_type(41), Some(SensorType::R));
        assert_eq!(sensor_type(64), Some(SensorType::Phi));
        assert_eq!(sensor_type(105), Some(SensorType::Phi));
        assert_eq!(sensor_type(128), Some(SensorType::PileUp));
        assert_eq!(sensor_type(131), Some(SensorType::PileUp));
        assert_eq!(sensor_type(63), None);
        assert_eq!(SensorType::Phi.label(), "Φ");
    }

    #[test]
    fn r_and_phi_pair_up() {
        for r in R_SENSORS {
            assert_eq!(corresponding(r), Some(r + 64));
            assert_eq!(corresponding(r + 64), Some(r));
        }
        for p in PILE_UP_SENSORS {
            assert_eq!(corresponding(p), None);
        }
        assert_eq!(corresponding(42), None);
        assert_eq!(corresponding(u32::MAX), None);
    }
}
