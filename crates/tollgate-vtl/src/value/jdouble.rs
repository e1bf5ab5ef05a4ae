//! `Double.toString` exactly as Java 8–18 print it (the JDK API Gateway's Velocity runs on predates JDK 19's
//! shortest-digits algorithm).
//!
//! Independent implementation of the documented behaviour of that era's algorithm (Steele & White style digit
//! generation with a symmetric half-ULP stopping test, as described in the JDK's own comments and in
//! JDK-4511638): integers below 2^63 print their exact digits less "insignificant" trailing ones; everything
//! else generates digits from exact big-integer ratios `B/S` until the remainder is within half an ULP `M`,
//! forcing a second digit in scientific form. This is why Java prints `1.0E23` as `9.999999999999999E22` and
//! `2^-1074` as `4.9E-324`.

/// Digits and decimal exponent (value = 0.d1d2… × 10^exp).
struct Decimal {
    digits: Vec<u8>,
    exp: i32,
}

const EXP_SHIFT: i32 = 52;
const FRACT_HOB: u64 = 1 << 52;
const MAX_SMALL_BIN_EXP: i32 = 62;
const MIN_SMALL_BIN_EXP: i32 = -21;
/// Longest 5^n that fits in 63 bits is 5^27; Java's tables stop at 5^26.
const LONG_5_POW_LEN: i32 = 27;

fn n5bits(n: i32) -> i32 {
    // Bits needed for 5^n (Java's N_5_BITS table; entry 0 is 0).
    if n <= 0 {
        return 0;
    }
    if n < LONG_5_POW_LEN {
        let p = 5u64.pow(n as u32);
        return 64 - p.leading_zeros() as i32;
    }
    n * 3
}

fn pow5(n: i32) -> u64 {
    5u64.pow(n.max(0) as u32)
}

/// Number of decimal digits of 2^p2 minus one, for 2 ≤ p2 < 64 (Java's `insignificantDigitsForPow2`).
fn insignificant_digits_for_pow2(p2: i32) -> i32 {
    if p2 > 1 && p2 < 64 {
        let v = 1u64 << p2;
        let mut digits = 0;
        let mut x = v;
        while x > 0 {
            digits += 1;
            x /= 10;
        }
        return digits - 1;
    }
    0
}

// Java's own constants, which are not exactly log10(2) and friends; the estimate must match Java's.
#[allow(clippy::approx_constant)]
fn estimate_dec_exp(fract_bits: u64, bin_exp: i32) -> i32 {
    let d2 = f64::from_bits(0x3ff0_0000_0000_0000 | (fract_bits & (FRACT_HOB - 1)));
    let d = (d2 - 1.5) * 0.289529654 + 0.176091259 + f64::from(bin_exp) * 0.301029995663981;
    d.floor() as i32
}

/// `developLongDigits`: the exact digits of an integer value, dropping `insignificant` low digits (rounded).
fn long_digits(mut value: u64, insignificant: i32) -> Decimal {
    let mut exp = 0;
    if insignificant != 0 {
        let pow10 = 10u64.pow(insignificant as u32);
        let residue = value % pow10;
        value /= pow10;
        exp += insignificant;
        if residue >= pow10 >> 1 {
            value += 1;
        }
    }
    let s = value.to_string();
    exp += s.len() as i32;
    let mut digits = s.into_bytes();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    Decimal { digits, exp }
}

/// Little-endian base-2^32 unsigned big integer: just what digit generation needs.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn from_u64(v: u64) -> Big {
        let mut b = Big(vec![v as u32, (v >> 32) as u32]);
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.0.len() > 1 && self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(m) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn mul_pow5(&mut self, mut n: i32) {
        while n >= 13 {
            self.mul_small(1_220_703_125); // 5^13
            n -= 13;
        }
        if n > 0 {
            self.mul_small(5u32.pow(n as u32));
        }
    }

    fn shl(&mut self, n: i32) {
        if n <= 0 {
            return;
        }
        let (words, bits) = ((n / 32) as usize, (n % 32) as u32);
        if bits > 0 {
            let mut carry = 0u32;
            for limb in &mut self.0 {
                let v = (*limb << bits) | carry;
                carry = *limb >> (32 - bits);
                *limb = v;
            }
            if carry > 0 {
                self.0.push(carry);
            }
        }
        if words > 0 {
            let mut v = vec![0u32; words];
            v.extend_from_slice(&self.0);
            self.0 = v;
        }
        self.trim();
    }

    fn pow52(p5: i32, p2: i32) -> Big {
        let mut b = Big(vec![1]);
        b.mul_pow5(p5);
        b.shl(p2);
        b
    }

    fn cmp(&self, other: &Big) -> std::cmp::Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    fn add(&self, other: &Big) -> Big {
        let n = self.0.len().max(other.0.len());
        let mut out = Vec::with_capacity(n + 1);
        let mut carry = 0u64;
        for i in 0..n {
            let v = u64::from(*self.0.get(i).unwrap_or(&0)) + u64::from(*other.0.get(i).unwrap_or(&0)) + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        if carry > 0 {
            out.push(carry as u32);
        }
        let mut b = Big(out);
        b.trim();
        b
    }

    /// `self -= other`, assuming `self >= other`.
    fn sub_assign(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let v = i64::from(self.0[i]) - i64::from(*other.0.get(i).unwrap_or(&0)) - borrow;
            if v < 0 {
                self.0[i] = (v + (1i64 << 32)) as u32;
                borrow = 1;
            } else {
                self.0[i] = v as u32;
                borrow = 0;
            }
        }
        self.trim();
    }

    /// `q = self / s` (known to be below 10), `self = 10 * (self % s)`: FDBigInteger's `quoRemIteration`.
    fn quo_rem_iteration(&mut self, s: &Big) -> u32 {
        let mut q = 0;
        while self.cmp(s) != std::cmp::Ordering::Less {
            self.sub_assign(s);
            q += 1;
        }
        self.mul_small(10);
        self.trim();
        q
    }
}

fn dtoa(bin_exp: i32, fract_bits: u64, n_significant_bits: i32) -> Decimal {
    let tail_zeros = fract_bits.trailing_zeros() as i32;
    let n_fract_bits = EXP_SHIFT + 1 - tail_zeros;
    let n_tiny_bits = (n_fract_bits - bin_exp - 1).max(0);
    if (MIN_SMALL_BIN_EXP..=MAX_SMALL_BIN_EXP).contains(&bin_exp)
        && n_tiny_bits < LONG_5_POW_LEN
        && n_fract_bits + n5bits(n_tiny_bits) < 64
        && n_tiny_bits == 0
    {
        let insignificant = if bin_exp > n_significant_bits {
            insignificant_digits_for_pow2(bin_exp - n_significant_bits - 1)
        } else {
            0
        };
        let v = if bin_exp >= EXP_SHIFT {
            fract_bits << (bin_exp - EXP_SHIFT)
        } else {
            fract_bits >> (EXP_SHIFT - bin_exp)
        };
        return long_digits(v, insignificant);
    }
    let mut dec_exp = estimate_dec_exp(fract_bits, bin_exp);
    let b5 = (-dec_exp).max(0);
    let mut b2 = b5 + n_tiny_bits + bin_exp;
    let s5 = dec_exp.max(0);
    let mut s2 = s5 + n_tiny_bits;
    let m5 = b5;
    let mut m2 = b2 - n_significant_bits;
    let fract = fract_bits >> tail_zeros;
    b2 -= n_fract_bits - 1;
    let common = b2.min(s2);
    b2 -= common;
    s2 -= common;
    m2 -= common;
    if n_fract_bits == 1 {
        m2 -= 1;
    }
    if m2 < 0 {
        b2 -= m2;
        s2 -= m2;
        m2 = 0;
    }
    let b_bits = n_fract_bits + b2 + n5bits(b5);
    let ten_s_bits = s2 + 1 + n5bits(s5 + 1);
    let mut digits: Vec<u8> = Vec::with_capacity(20);
    let (low, high, low_digit_difference);
    if b_bits < 64 && ten_s_bits < 64 {
        if b_bits < 32 && ten_s_bits < 32 {
            // Java's int arithmetic, overflow and all.
            let mut b = (fract as i32).wrapping_mul(pow5(b5) as i32).wrapping_shl(b2 as u32);
            let s = (pow5(s5) as i32).wrapping_shl(s2 as u32);
            let mut m = (pow5(m5) as i32).wrapping_shl(m2 as u32);
            let tens = s.wrapping_mul(10);
            let mut q = b / s;
            b = 10i32.wrapping_mul(b % s);
            m = m.wrapping_mul(10);
            let mut lo = b < m;
            let mut hi = b.wrapping_add(m) > tens;
            if q == 0 && !hi {
                dec_exp -= 1;
            } else {
                digits.push(b'0' + q as u8);
            }
            if !(-3..8).contains(&dec_exp) {
                hi = false;
                lo = false;
            }
            while !lo && !hi {
                q = b / s;
                b = 10i32.wrapping_mul(b % s);
                m = m.wrapping_mul(10);
                if m > 0 {
                    lo = b < m;
                    hi = b.wrapping_add(m) > tens;
                } else {
                    lo = true;
                    hi = true;
                }
                digits.push(b'0' + q as u8);
            }
            low_digit_difference = i64::from(b.wrapping_shl(1).wrapping_sub(tens));
            low = lo;
            high = hi;
        } else {
            let mut b = (fract as i64).wrapping_mul(pow5(b5) as i64).wrapping_shl(b2 as u32);
            let s = (pow5(s5) as i64).wrapping_shl(s2 as u32);
            let mut m = (pow5(m5) as i64).wrapping_shl(m2 as u32);
            let tens = s.wrapping_mul(10);
            let mut q = b / s;
            b = 10i64.wrapping_mul(b % s);
            m = m.wrapping_mul(10);
            let mut lo = b < m;
            let mut hi = b.wrapping_add(m) > tens;
            if q == 0 && !hi {
                dec_exp -= 1;
            } else {
                digits.push(b'0' + q as u8);
            }
            if !(-3..8).contains(&dec_exp) {
                hi = false;
                lo = false;
            }
            while !lo && !hi {
                q = b / s;
                b = 10i64.wrapping_mul(b % s);
                m = m.wrapping_mul(10);
                if m > 0 {
                    lo = b < m;
                    hi = b.wrapping_add(m) > tens;
                } else {
                    lo = true;
                    hi = true;
                }
                digits.push(b'0' + q as u8);
            }
            low_digit_difference = b.wrapping_shl(1).wrapping_sub(tens);
            low = lo;
            high = hi;
        }
    } else {
        let s = Big::pow52(s5, s2);
        let mut b = Big::from_u64(fract);
        b.mul_pow5(b5);
        b.shl(b2);
        let mut m = Big::pow52(m5 + 1, m2 + 1);
        let ten_s = Big::pow52(s5 + 1, s2 + 1);
        let mut q = b.quo_rem_iteration(&s);
        let mut lo = b.cmp(&m) == std::cmp::Ordering::Less;
        let mut hi = ten_s.cmp(&b.add(&m)) != std::cmp::Ordering::Greater;
        if q == 0 && !hi {
            dec_exp -= 1;
        } else {
            digits.push(b'0' + q as u8);
        }
        if !(-3..8).contains(&dec_exp) {
            hi = false;
            lo = false;
        }
        while !lo && !hi {
            q = b.quo_rem_iteration(&s);
            m.mul_small(10);
            lo = b.cmp(&m) == std::cmp::Ordering::Less;
            hi = ten_s.cmp(&b.add(&m)) != std::cmp::Ordering::Greater;
            digits.push(b'0' + q as u8);
        }
        low_digit_difference = if hi && lo {
            let mut twice = b.clone();
            twice.shl(1);
            match twice.cmp(&ten_s) {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            }
        } else {
            0
        };
        low = lo;
        high = hi;
    }
    let mut exp = dec_exp + 1;
    if high {
        let round_up = if low {
            low_digit_difference > 0
                || (low_digit_difference == 0 && digits.last().is_some_and(|d| (d - b'0') % 2 == 1))
        } else {
            true
        };
        if round_up {
            round_up_digits(&mut digits, &mut exp);
        }
    }
    Decimal { digits, exp }
}

/// Java's `roundup`: carries through 9s; a full carry becomes `1` followed by the same number of zeros.
fn round_up_digits(digits: &mut [u8], exp: &mut i32) {
    let Some(mut i) = digits.len().checked_sub(1) else {
        return;
    };
    loop {
        if digits[i] != b'9' {
            digits[i] += 1;
            return;
        }
        if i == 0 {
            digits[0] = b'1';
            *exp += 1;
            return;
        }
        digits[i] = b'0';
        i -= 1;
    }
}

/// Appends `Double.toString(d)` as Java 8–18 print it.
pub(crate) fn write_double(d: f64, out: &mut String) {
    if d.is_nan() {
        out.push_str("NaN");
        return;
    }
    if d.is_infinite() {
        out.push_str(if d > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    if write_short(d, out) {
        return;
    }
    write_general(d, out);
}

/// Doubles that are a short decimal (at most three decimals, 10^-3 ≤ |d| < 10^7, the plain form): the digits
/// of that decimal, which is what Java prints for them (the tests check it against [`write_general`]).
#[inline]
fn write_short(d: f64, out: &mut String) -> bool {
    const SCALES: [f64; 4] = [1.0, 10.0, 100.0, 1000.0];
    let a = d.abs();
    if !(1e-3..1e7).contains(&a) {
        return false;
    }
    for (decimals, scale) in SCALES.iter().enumerate() {
        // The nearest integer to a·scale (< 10^10): truncating after adding a half (one instruction, where
        // `f64::round` is a library call here). Near a tie it may miss, which only declines the short form.
        let m = (a * scale + 0.5) as i64;
        // `m / scale` is correctly rounded: the decimal m·10^-k is this double, with the fewest decimals.
        if m as f64 / scale != a {
            continue;
        }
        let mut buf = itoa::Buffer::new();
        let digits = buf.format(m.unsigned_abs());
        if d < 0.0 {
            out.push('-');
        }
        if decimals == 0 {
            out.push_str(digits);
            out.push_str(".0");
        } else if digits.len() > decimals {
            let (int, frac) = digits.split_at(digits.len() - decimals);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        } else {
            out.push_str("0.");
            for _ in digits.len()..decimals {
                out.push('0');
            }
            out.push_str(digits);
        }
        return true;
    }
    false
}

/// Java 8–18's `Double.toString` for any finite non-zero double.
fn write_general(d: f64, out: &mut String) {
    let bits = d.to_bits();
    let negative = bits >> 63 == 1;
    let mut fract = bits & (FRACT_HOB - 1);
    let mut bin_exp = ((bits >> 52) & 0x7ff) as i32;
    if bin_exp == 0 && fract == 0 {
        out.push_str(if negative { "-0.0" } else { "0.0" });
        return;
    }
    let n_significant_bits;
    if bin_exp == 0 {
        // Subnormal: normalise so the hidden bit is set.
        let leading = fract.leading_zeros() as i32;
        let shift = leading - (63 - EXP_SHIFT);
        fract <<= shift;
        bin_exp = 1 - shift;
        n_significant_bits = 64 - leading;
    } else {
        fract |= FRACT_HOB;
        n_significant_bits = EXP_SHIFT + 1;
    }
    bin_exp -= 1023;
    let dec = dtoa(bin_exp, fract, n_significant_bits);
    write_java_form(negative, &dec, out);
}

/// `getChars`: plain form for 10^-3 ≤ |d| < 10^7, otherwise `d.dddE±n`.
fn write_java_form(negative: bool, dec: &Decimal, out: &mut String) {
    if negative {
        out.push('-');
    }
    let digits = &dec.digits;
    let n = digits.len() as i32;
    let e = dec.exp;
    let push = |out: &mut String, ds: &[u8]| out.extend(ds.iter().map(|&b| char::from(b)));
    if e > 0 && e < 8 {
        let take = n.min(e) as usize;
        push(out, &digits[..take]);
        if (take as i32) < e {
            for _ in take as i32..e {
                out.push('0');
            }
            out.push_str(".0");
        } else {
            out.push('.');
            if (take as i32) < n {
                push(out, &digits[take..]);
            } else {
                out.push('0');
            }
        }
    } else if e <= 0 && e > -3 {
        out.push_str("0.");
        for _ in 0..(-e) {
            out.push('0');
        }
        push(out, digits);
    } else {
        push(out, &digits[..1]);
        out.push('.');
        if n > 1 {
            push(out, &digits[1..]);
        } else {
            out.push('0');
        }
        out.push('E');
        let exp = if e <= 0 { -(-e + 1) } else { e - 1 };
        out.push_str(&exp.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::{write_general, write_short};

    fn both(d: f64) -> (Option<String>, String) {
        let mut short = String::new();
        let fast = write_short(d, &mut short).then_some(short);
        let mut general = String::new();
        write_general(d, &mut general);
        (fast, general)
    }

    #[test]
    fn short_decimals_print_as_the_general_algorithm_does() {
        let mut checked = 0;
        let mut check = |d: f64| {
            if let (Some(fast), general) = both(d) {
                assert_eq!(fast, general, "{d:e}");
                checked += 1;
            }
        };
        for k in 0..4 {
            let scale = 10f64.powi(k);
            for m in 1..20_000u32 {
                check(f64::from(m) / scale);
                check(-f64::from(m) / scale);
            }
        }
        // Spread over the whole range (a fixed linear congruential sequence, so every run checks the same values).
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..40_000 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let k = (x >> 60) % 4;
            let m = (x >> 20) % 10_000_000_000;
            check(m as f64 / 10f64.powi(k as i32));
        }
        for edge in [
            0.001,
            0.0015,
            9_999_999.999,
            9_999_999.0,
            1_000_000.5,
            0.1,
            0.3,
            2.675,
            1e-3 + 1e-19,
        ] {
            check(edge);
        }
        assert!(checked > 150_000, "{checked}");
        // Outside the short form: left to the general algorithm.
        for d in [1e7, 1e-4, 0.1 + 0.2, 1.0 / 3.0, 123.4567] {
            assert!(both(d).0.is_none(), "{d}");
        }
    }
}
