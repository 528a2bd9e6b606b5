//! Option checks shared by every constructor (JWT verifier, Auth.js session, signer).

use crate::error::{Error, Result};

/// A checked non-negative, finite number of seconds.
pub fn seconds_option(name: &str, v: Option<f64>) -> Result<Option<f64>> {
    match v {
        Some(x) if !x.is_finite() || x < 0.0 => Err(Error::options(format!("{name} must be a finite number of seconds, 0 or more"))),
        other => Ok(other),
    }
}

/// A checked positive whole number (byte limits).
pub fn length_option(name: &str, v: Option<f64>, default: usize) -> Result<usize> {
    match v {
        None => Ok(default),
        Some(x) if x.is_finite() && x >= 1.0 && x.fract() == 0.0 && x <= 1e9 => Ok(x as usize),
        Some(_) => Err(Error::options(format!("{name} must be a whole number of bytes, at least 1"))),
    }
}

/// A list that, when given, must not be empty.
pub fn non_empty_list(name: &str, v: Option<Vec<String>>) -> Result<Option<Vec<String>>> {
    match v {
        Some(list) if list.is_empty() => Err(Error::options(format!("{name} must not be an empty list"))),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals() {
        assert!(seconds_option("x", Some(-1.0)).is_err());
        assert!(seconds_option("x", Some(f64::NAN)).is_err());
        assert_eq!(seconds_option("x", Some(0.0)).unwrap(), Some(0.0));
        assert_eq!(length_option("x", None, 7).unwrap(), 7);
        assert!(length_option("x", Some(0.5), 7).is_err());
        assert!(length_option("x", Some(0.0), 7).is_err());
        assert!(length_option("x", Some(2e9), 7).is_err());
        assert!(non_empty_list("x", Some(vec![])).is_err());
        assert_eq!(non_empty_list("x", None).unwrap(), None);
    }
}
