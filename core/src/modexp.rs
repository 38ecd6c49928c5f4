//! The one place where Hecate multiplies and exponentiates modulo n², p² and p.
//!
//! Protocol code never touches Montgomery forms: it calls the traits below on a [`Modulus`], whose
//! associated key-size types ([`KeySize`](crate::KeySize)) fix every width at compile time. A faster
//! constant-time backend replaces the bodies here and nothing else.
//!
//! Every operation is constant-time in its operands and in the modulus, except [`Modulus::new_public`],
//! which takes a public modulus (n, n²) and may branch on it.

use core::fmt;

use crypto_bigint::{
    CtOption, CtSelect, MultiExponentiateBoundedExp, Odd, Uint,
    modular::{FixedMontyForm, FixedMontyParams},
};
use zeroize::Zeroize;

/// Montgomery parameters for one odd modulus of `LIMBS` limbs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Modulus<const LIMBS: usize> {
    params: FixedMontyParams<LIMBS>,
}

impl<const LIMBS: usize> Modulus<LIMBS> {
    /// Parameters for a public modulus (n, n²): built in variable time, which is faster.
    pub fn new_public(modulus: Odd<Uint<LIMBS>>) -> Self {
        Self {
            // n and n² are public: variable time in them leaks nothing.
            params: FixedMontyParams::new_vartime(modulus),
        }
    }

    /// Parameters for a secret modulus (p, q, p², q²), built in constant time.
    pub fn new_secret(modulus: Odd<Uint<LIMBS>>) -> Self {
        Self {
            params: FixedMontyParams::new(modulus),
        }
    }

    fn form(&self, x: &Uint<LIMBS>) -> FixedMontyForm<LIMBS> {
        FixedMontyForm::new(x, &self.params)
    }
}

impl<const LIMBS: usize> fmt::Debug for Modulus<LIMBS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The modulus may be a secret prime.
        f.write_str("Modulus(<redacted>)")
    }
}

impl<const LIMBS: usize> Zeroize for Modulus<LIMBS> {
    fn zeroize(&mut self) {
        self.params.zeroize();
    }
}

/// Arithmetic on residues of one modulus. Inputs may be any value of the width (they are reduced
/// first), outputs are always fully reduced.
pub trait Residues: Copy + Zeroize {
    /// The integer type of a residue (as wide as the modulus).
    type Elem: Copy;

    /// The modulus m.
    fn modulus(&self) -> &Self::Elem;
    /// `x mod m`.
    fn reduce(&self, x: &Self::Elem) -> Self::Elem;
    /// `a · b mod m`.
    fn mul(&self, a: &Self::Elem, b: &Self::Elem) -> Self::Elem;
    /// `a − b mod m`.
    fn sub(&self, a: &Self::Elem, b: &Self::Elem) -> Self::Elem;
    /// `a⁻¹ mod m`, none when `a` is not invertible.
    fn invert(&self, a: &Self::Elem) -> CtOption<Self::Elem>;
    /// `base^exponent mod m` for an exponent of any width, constant-time over all its bits.
    fn pow_uint<const EXP_LIMBS: usize>(
        &self,
        base: &Self::Elem,
        exponent: &Uint<EXP_LIMBS>,
    ) -> Self::Elem;
    /// The Lucas sequence V with Q = 1 at k and k + 1: `(V_k(P, 1), V_{k+1}(P, 1)) mod m`, by a
    /// ladder over every bit of k (V_0 = 2, V_1 = P, V_2j = V_j² − 2, V_2j+1 = V_j·V_j+1 − P).
    fn lucas_v(&self, p: &Self::Elem, k: &Self::Elem) -> (Self::Elem, Self::Elem);
    /// `Π base_i^exponent_i mod m` by interleaved windows (Straus): the squarings are shared, and
    /// every exponent is processed over all its bits with constant-time table lookups.
    fn multi_pow<const EXP_LIMBS: usize>(
        &self,
        terms: &[(Self::Elem, Uint<EXP_LIMBS>)],
    ) -> Self::Elem;
}

/// Exponentiation by an exponent of type `E`, in constant time for the full width of `E`.
pub trait PowBy<E>: Residues {
    /// `base^exponent mod m`.
    fn pow(&self, base: &Self::Elem, exponent: &E) -> Self::Elem;
}

/// Reduction of a value of type `W`, twice as wide as the modulus.
pub trait ReduceWide<W>: Residues {
    /// `x mod m`.
    fn reduce_wide(&self, x: &W) -> Self::Elem;
}

impl<const LIMBS: usize> Residues for Modulus<LIMBS> {
    type Elem = Uint<LIMBS>;

    fn modulus(&self) -> &Uint<LIMBS> {
        self.params.modulus().as_ref()
    }

    fn reduce(&self, x: &Uint<LIMBS>) -> Uint<LIMBS> {
        self.form(x).retrieve()
    }

    fn mul(&self, a: &Uint<LIMBS>, b: &Uint<LIMBS>) -> Uint<LIMBS> {
        self.form(a).mul(&self.form(b)).retrieve()
    }

    fn sub(&self, a: &Uint<LIMBS>, b: &Uint<LIMBS>) -> Uint<LIMBS> {
        self.form(a).sub(&self.form(b)).retrieve()
    }

    fn invert(&self, a: &Uint<LIMBS>) -> CtOption<Uint<LIMBS>> {
        self.form(a).invert().map(|inverse| inverse.retrieve())
    }

    fn pow_uint<const EXP_LIMBS: usize>(
        &self,
        base: &Uint<LIMBS>,
        exponent: &Uint<EXP_LIMBS>,
    ) -> Uint<LIMBS> {
        self.form(base).pow(exponent).retrieve()
    }

    fn lucas_v(&self, p: &Uint<LIMBS>, k: &Uint<LIMBS>) -> (Uint<LIMBS>, Uint<LIMBS>) {
        let p = self.form(p);
        let two = self.form(&Uint::from_u8(2));
        // (V_j, V_j+1), from j = 0.
        let (mut low, mut high) = (two, p);
        for i in (0..Uint::<LIMBS>::BITS).rev() {
            // Swapped when the bit is 1, one formula serves both steps: (V_j, V_j+1) becomes
            // (V_2j, V_2j+1) for a 0 and, swapped back, (V_2j+1, V_2j+2) for a 1.
            let bit = k.bit(i);
            low.ct_swap(&mut high, bit);
            let cross = low.mul(&high).sub(&p);
            low = low.square().sub(&two);
            high = cross;
            low.ct_swap(&mut high, bit);
        }
        (low.retrieve(), high.retrieve())
    }

    fn multi_pow<const EXP_LIMBS: usize>(
        &self,
        terms: &[(Uint<LIMBS>, Uint<EXP_LIMBS>)],
    ) -> Uint<LIMBS> {
        // crypto-bigint's heap-free multi-exponentiation takes a fixed number of terms, with a
        // table of 16 powers per base on the stack: take the terms in groups of at most
        // MULTI_POW_GROUP (the group sizes depend only on the public number of terms).
        let mut product = FixedMontyForm::one(&self.params);
        for group in terms.chunks(MULTI_POW_GROUP) {
            product = product.mul(&match group.len() {
                1 => self.multi_pow_group::<EXP_LIMBS, 1>(group),
                2 => self.multi_pow_group::<EXP_LIMBS, 2>(group),
                3 => self.multi_pow_group::<EXP_LIMBS, 3>(group),
                4 => self.multi_pow_group::<EXP_LIMBS, 4>(group),
                5 => self.multi_pow_group::<EXP_LIMBS, 5>(group),
                6 => self.multi_pow_group::<EXP_LIMBS, 6>(group),
                7 => self.multi_pow_group::<EXP_LIMBS, 7>(group),
                _ => self.multi_pow_group::<EXP_LIMBS, MULTI_POW_GROUP>(group),
            });
        }
        product.retrieve()
    }
}

/// Bases per multi-exponentiation group: 8 tables of 16 powers (128 KiB at n = 4096).
const MULTI_POW_GROUP: usize = 8;

impl<const LIMBS: usize> Modulus<LIMBS> {
    /// One group of exactly `GROUP` terms (the caller passes a slice of that length).
    fn multi_pow_group<const EXP_LIMBS: usize, const GROUP: usize>(
        &self,
        group: &[(Uint<LIMBS>, Uint<EXP_LIMBS>)],
    ) -> FixedMontyForm<LIMBS> {
        let one = FixedMontyForm::one(&self.params);
        let mut terms = [(one, Uint::<EXP_LIMBS>::ZERO); GROUP];
        for (slot, (base, exponent)) in terms.iter_mut().zip(group) {
            *slot = (self.form(base), *exponent);
        }
        FixedMontyForm::multi_exponentiate_bounded_exp(&terms, Uint::<EXP_LIMBS>::BITS)
    }
}

impl<const LIMBS: usize, const EXP_LIMBS: usize> PowBy<Uint<EXP_LIMBS>> for Modulus<LIMBS> {
    fn pow(&self, base: &Uint<LIMBS>, exponent: &Uint<EXP_LIMBS>) -> Uint<LIMBS> {
        self.pow_uint(base, exponent)
    }
}

impl<const LIMBS: usize, const WIDE_LIMBS: usize> ReduceWide<Uint<WIDE_LIMBS>> for Modulus<LIMBS> {
    fn reduce_wide(&self, x: &Uint<WIDE_LIMBS>) -> Uint<LIMBS> {
        const {
            assert!(
                WIDE_LIMBS == 2 * LIMBS,
                "reduce_wide takes a double-width value"
            )
        };
        // x = hi·R + lo with R = 2^(64·LIMBS). `new(hi)` represents hi, the raw Montgomery value
        // R² mod m represents R, so hi·R + lo needs two Montgomery products and no division by
        // the (possibly secret) modulus.
        let (lo, hi) = x.split_resize::<LIMBS, LIMBS>();
        let r = FixedMontyForm::from_montgomery(*self.params.r2(), &self.params);
        self.form(&hi).mul(&r).add(&self.form(&lo)).retrieve()
    }
}

/// Plain (non-modular) arithmetic between an integer type and the one twice as wide.
pub trait Wide<Half>: Copy {
    /// `x` as the wide type.
    fn widen(x: &Half) -> Self;
    /// The low half (`x mod 2^(width of Half)`).
    fn low_half(&self) -> Half;
    /// The full product `a · b`.
    fn product(a: &Half, b: &Half) -> Self;
}

impl<const LIMBS: usize, const HALF_LIMBS: usize> Wide<Uint<HALF_LIMBS>> for Uint<LIMBS> {
    fn widen(x: &Uint<HALF_LIMBS>) -> Self {
        const { assert!(LIMBS == 2 * HALF_LIMBS, "Wide pairs a type with its double") };
        x.resize()
    }

    fn low_half(&self) -> Uint<HALF_LIMBS> {
        self.resize()
    }

    fn product(a: &Uint<HALF_LIMBS>, b: &Uint<HALF_LIMBS>) -> Self {
        let (lo, hi) = a.widening_mul(b);
        lo.concat_resize(&hi)
    }
}
