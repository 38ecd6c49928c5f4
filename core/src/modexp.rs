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
    Choice, CtAssign, CtEq, CtOption, CtSelect, Int, MultiExponentiateBoundedExp, Odd, Uint,
    modular::{FixedMontyForm, FixedMontyParams},
};
use zeroize::Zeroize;

use crate::memcheck::declassify_value;

#[cfg(target_arch = "x86_64")]
mod ifma;

/// Bits per digit of the AVX-512 IFMA backend.
const DIGIT_BITS: u32 = 52;

/// The number of 8-digit vectors of the AVX-512 IFMA backend for a modulus of `limbs` 64-bit
/// limbs: R = 2^(52·8·N) ≥ 16·2^(64·limbs), the margin its products need.
pub(crate) const fn vectors_for(limbs: usize) -> usize {
    let digits = (limbs * 64 + 4).div_ceil(DIGIT_BITS as usize);
    digits.div_ceil(8)
}

/// Which arithmetic runs: the AVX-512 IFMA backend where the CPU has it, else the portable one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arithmetic {
    /// crypto-bigint's portable constant-time Montgomery arithmetic.
    Portable,
    /// 52-bit digits on AVX-512 IFMA, eight to a vector.
    Avx512Ifma,
}

impl Arithmetic {
    /// A short name: `portable` or `avx512-ifma`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Portable => "portable",
            Self::Avx512Ifma => "avx512-ifma",
        }
    }

    /// The arithmetic that operations use (on moduli of Hecate's key sizes).
    pub fn in_use() -> Self {
        #[cfg(target_arch = "x86_64")]
        if ifma_enabled() {
            return Self::Avx512Ifma;
        }
        Self::Portable
    }

    /// Makes every operation from now on use the portable arithmetic, whatever the CPU: for
    /// comparisons and tests.
    pub fn force_portable() {
        PORTABLE_ONLY.store(true, core::sync::atomic::Ordering::Relaxed);
    }

    /// Makes every operation from now on run the IFMA backend's code on emulated lanes: for
    /// the constant-time gate, whose valgrind cannot run AVX-512 instructions.
    #[cfg(all(hecate_ct_gate, target_arch = "x86_64"))]
    pub fn emulate_ifma() {
        EMULATE_IFMA.store(true, core::sync::atomic::Ordering::Relaxed);
    }
}

static PORTABLE_ONLY: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

#[cfg(all(hecate_ct_gate, target_arch = "x86_64"))]
static EMULATE_IFMA: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// The IFMA kernel a modulus runs: the instructions, or under the constant-time gate their
/// emulation.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy, Debug)]
enum IfmaKernel {
    Avx512(ifma::Avx512),
    #[cfg(hecate_ct_gate)]
    Emulated,
}

/// `$body` with `$ifma` bound to the modulus' IFMA backend, returned from the enclosing
/// function, where the modulus runs it; nothing otherwise.
macro_rules! on_ifma {
    ($modulus:expr, |$ifma:ident| $body:expr) => {
        #[cfg(target_arch = "x86_64")]
        match $modulus.ifma_kernel() {
            Some(IfmaKernel::Avx512(kernel)) => {
                let $ifma = $modulus.ifma_with(kernel);
                return $body;
            }
            #[cfg(hecate_ct_gate)]
            Some(IfmaKernel::Emulated) => {
                let $ifma = $modulus.ifma_with(ifma::Emulated);
                return $body;
            }
            None => {}
        }
    };
}

/// True if moduli are to use the IFMA backend: the CPU has it and the portable arithmetic is not
/// forced, at run time by [`Arithmetic::force_portable`] or at build time by
/// `--cfg hecate_portable` (which runs a whole test suite on the portable path).
#[cfg(target_arch = "x86_64")]
fn ifma_enabled() -> bool {
    !cfg!(hecate_portable)
        && ifma::available()
        && !PORTABLE_ONLY.load(core::sync::atomic::Ordering::Relaxed)
}

/// Montgomery parameters for one odd modulus of `LIMBS` limbs; `VECTORS` ([`vectors_for`]) sizes
/// the AVX-512 IFMA backend's numbers: the modulus keeps that backend's R², and each operation
/// converts its other constants from crypto-bigint's.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Modulus<const LIMBS: usize, const VECTORS: usize> {
    params: FixedMontyParams<LIMBS>,
    /// 2^(2B) mod m for the IFMA backend's R = 2^B, B = 52·8·`VECTORS`: kept, since deriving it
    /// takes two of that backend's products, as many as a whole [`Residues::mul`].
    ifma_r_squared: Uint<LIMBS>,
}

impl<const LIMBS: usize, const VECTORS: usize> Modulus<LIMBS, VECTORS> {
    /// Parameters for a public modulus (n, n²): built in variable time, which is faster.
    pub fn new_public(modulus: Odd<Uint<LIMBS>>) -> Self {
        // n and n² are public: variable time in them leaks nothing.
        Self::with_params(FixedMontyParams::new_vartime(modulus))
    }

    /// Parameters for a secret modulus (p, q, p², q²), built in constant time.
    pub fn new_secret(modulus: Odd<Uint<LIMBS>>) -> Self {
        Self::with_params(FixedMontyParams::new(modulus))
    }

    /// The modulus of `params`, with the IFMA backend's constant from crypto-bigint's R² =
    /// 2^(2F), F = 64·`LIMBS`, by its Montgomery products (constant-time, and on every CPU, so
    /// that the constant does not depend on which arithmetic runs): a product by 2^(2F) takes
    /// 2^e to 2^(e + F), one by a power of two 2^k below R to 2^(e + k − F); from 2^(2F), the
    /// 2(B − F) bits still to go are below F at Hecate's widths (two products), not at the
    /// narrowest test widths.
    fn with_params(params: FixedMontyParams<LIMBS>) -> Self {
        #[allow(
            clippy::cast_possible_truncation,
            reason = "evaluated at compile time, of a vector count"
        )]
        let mut remaining = const { 2 * (DIGIT_BITS * 8 * VECTORS as u32 - Uint::<LIMBS>::BITS) };
        let mut r_squared = FixedMontyForm::from_montgomery(*params.r2(), &params);
        let mut power = r_squared;
        while remaining >= Uint::<LIMBS>::BITS {
            power = power.mul(&r_squared);
            remaining -= Uint::<LIMBS>::BITS;
        }
        // May exceed m (below R, not a residue): only ever an operand of a product with one
        // below m. The shift is public, fixed by the widths, so `shl_vartime` leaks nothing.
        let shift = FixedMontyForm::from_montgomery(Uint::ONE.shl_vartime(remaining), &params);
        let ifma_r_squared = *power.mul(&shift).mul(&r_squared).as_montgomery();
        // Of a secret prime's modulus, secret too.
        power.zeroize();
        r_squared.zeroize();
        Self {
            params,
            ifma_r_squared,
        }
    }

    /// The IFMA kernel, if the CPU has it and the modulus fills its width to within 4 bits
    /// (every Hecate modulus does: p, q and n have their top bit set, and squares lose at most
    /// one; whether it does is decided by the key size, which is public). Chosen at each
    /// operation rather than kept in the modulus: a secret key marked undefined whole (by the
    /// constant-time gate) holds no flag to branch on.
    #[cfg(target_arch = "x86_64")]
    fn ifma_kernel(&self) -> Option<IfmaKernel> {
        #[cfg(hecate_ct_gate)]
        let emulated = EMULATE_IFMA
            .load(core::sync::atomic::Ordering::Relaxed)
            .then_some(IfmaKernel::Emulated);
        #[cfg(not(hecate_ct_gate))]
        let emulated = None;
        let kernel = emulated.or_else(|| {
            ifma_enabled()
                .then(ifma::Avx512::new)
                .flatten()
                .map(IfmaKernel::Avx512)
        })?;
        let bits = declassify_value(self.params.modulus().as_ref().bit_width());
        (bits + 4 > Uint::<LIMBS>::BITS).then_some(kernel)
    }

    #[cfg(target_arch = "x86_64")]
    fn ifma_with<K: ifma::Kernel>(&self, kernel: K) -> ifma::Ifma<VECTORS, K> {
        ifma::Ifma::new(
            kernel,
            self.params.modulus().as_ref(),
            &self.ifma_r_squared,
            self.params.mod_neg_inv().0,
        )
    }

    fn form(&self, x: &Uint<LIMBS>) -> FixedMontyForm<LIMBS> {
        FixedMontyForm::new(x, &self.params)
    }

    fn monty(&self, x: &Form<LIMBS>) -> FixedMontyForm<LIMBS> {
        FixedMontyForm::from_montgomery(x.0, &self.params)
    }
}

/// A residue in Montgomery form (x·R mod m, R = 2^(64·LIMBS)) of the [`Modulus`] that made it:
/// chains of products on these skip the conversion in and out at each step. Meaningful only with
/// that modulus.
#[derive(Clone, Copy, Zeroize)]
pub struct Form<const LIMBS: usize>(Uint<LIMBS>);

impl<const LIMBS: usize> fmt::Debug for Form<LIMBS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Form(<redacted>)")
    }
}

impl<const LIMBS: usize> CtEq for Form<LIMBS> {
    fn ct_eq(&self, other: &Self) -> Choice {
        // Montgomery forms of one modulus are fully reduced: equal forms, equal residues.
        self.0.ct_eq(&other.0)
    }
}

impl<const LIMBS: usize> CtAssign for Form<LIMBS> {
    fn ct_assign(&mut self, other: &Self, choice: Choice) {
        self.0.ct_assign(&other.0, choice);
    }
}

impl<const LIMBS: usize> CtSelect for Form<LIMBS> {
    fn ct_select(&self, other: &Self, choice: Choice) -> Self {
        Self(self.0.ct_select(&other.0, choice))
    }
}

impl<const LIMBS: usize, const VECTORS: usize> fmt::Debug for Modulus<LIMBS, VECTORS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The modulus may be a secret prime.
        f.write_str("Modulus(<redacted>)")
    }
}

impl<const LIMBS: usize, const VECTORS: usize> Zeroize for Modulus<LIMBS, VECTORS> {
    fn zeroize(&mut self) {
        self.params.zeroize();
        self.ifma_r_squared.zeroize();
    }
}

/// Arithmetic on residues of one modulus. Inputs may be any value of the width (they are reduced
/// first), outputs are always fully reduced.
pub trait Residues: Copy + Zeroize + Send + Sync {
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

    /// A residue in Montgomery form.
    type Form: Copy + Zeroize + CtEq + CtSelect + Send + Sync;
    /// `x mod m` in Montgomery form.
    fn to_form(&self, x: &Self::Elem) -> Self::Form;
    /// 1 in Montgomery form.
    fn one_form(&self) -> Self::Form;
    /// `a² mod m`.
    fn square_form(&self, a: &Self::Form) -> Self::Form;
    /// `2^exponent mod m`, constant-time over every bit of the exponent.
    fn pow_of_two(&self, exponent: &Self::Elem) -> Self::Elem;
    /// `base^exponent mod m` for an exponent of any width, constant-time over all its bits.
    fn pow_uint<const EXP_LIMBS: usize>(
        &self,
        base: &Self::Elem,
        exponent: &Uint<EXP_LIMBS>,
    ) -> Self::Elem;
    /// `base^exponent mod m` for a **public** exponent (n in r^n): a sliding window whose
    /// schedule, and which table entry each step reads, depend on the exponent only. Constant-time
    /// in the base and the modulus; fewer products than the fixed window of [`Self::pow_uint`].
    fn pow_public_exponent<const EXP_LIMBS: usize>(
        &self,
        base: &Self::Elem,
        exponent: &Uint<EXP_LIMBS>,
    ) -> Self::Elem;
    /// The Lucas sequence V with Q = 1 at k and k + 1: `(V_k(P, 1), V_{k+1}(P, 1)) mod m`, by a
    /// ladder over every bit of k (V_0 = 2, V_1 = P, V_2j = V_j² − 2, V_2j+1 = V_j·V_j+1 − P).
    fn lucas_v(&self, p: &Self::Elem, k: &Self::Elem) -> (Self::Elem, Self::Elem);
    /// `Π base_i^exponent_i mod m` for signed exponents below 2^exponent_bits in magnitude, by
    /// interleaved windows (Straus), constant-time in the exponents and their signs: the work
    /// depends on the number of terms and on `exponent_bits`, a public bound, only. The bases
    /// must be public (ciphertexts): their product is inverted by `invert_public` (in variable
    /// time, such as [`InvertPublicBySquareRoot`] does), and none is returned
    /// if it has no inverse. Terms past the shorter of `bases` and `exponents` are ignored.
    fn signed_multi_pow<const EXP_LIMBS: usize>(
        &self,
        bases: &[Self::Elem],
        exponents: &[Int<EXP_LIMBS>],
        exponent_bits: u32,
        invert_public: impl FnOnce(&Self::Elem) -> Option<Self::Elem>,
    ) -> Option<Self::Elem>;
}

/// Exponentiation by an exponent of type `E`, in constant time for the full width of `E`.
pub trait PowBy<E>: Residues {
    /// `base^exponent mod m`.
    fn pow(&self, base: &Self::Elem, exponent: &E) -> Self::Elem;
    /// `base^exponent mod m` for a public exponent ([`Residues::pow_public_exponent`]).
    fn pow_public(&self, base: &Self::Elem, exponent: &E) -> Self::Elem;
    /// `(a^x mod m, b^y mod m')` for this modulus m and `other`, m', of the same width:
    /// [`Self::pow`] twice, run together, for the two halves of a CRT: on the IFMA backend in one
    /// pass whose two chains of products hide each other's latency (RSAZ's dual exponentiation)
    /// on one core, unless the moduli are wider than [`DUAL_ON_ONE_CORE`] vectors and
    /// [`join`](crate::parallel::join) has two cores free; on the portable arithmetic on two
    /// cores where `join` has them.
    fn pow_pair(
        &self,
        other: &Self,
        first: (&Self::Elem, &E),
        second: (&Self::Elem, &E),
    ) -> (Self::Elem, Self::Elem);
}

/// Reduction of a value of type `W`, twice as wide as the modulus.
pub trait ReduceWide<W>: Residues {
    /// `x mod m`.
    fn reduce_wide(&self, x: &W) -> Self::Elem;
}

impl<const LIMBS: usize, const VECTORS: usize> Residues for Modulus<LIMBS, VECTORS> {
    type Elem = Uint<LIMBS>;

    fn modulus(&self) -> &Uint<LIMBS> {
        self.params.modulus().as_ref()
    }

    fn reduce(&self, x: &Uint<LIMBS>) -> Uint<LIMBS> {
        self.form(x).retrieve()
    }

    fn mul(&self, a: &Uint<LIMBS>, b: &Uint<LIMBS>) -> Uint<LIMBS> {
        on_ifma!(self, |ifma| ifma.mul(a, b));
        // Two Montgomery products rather than three and a reduction: (a·R)·b·R⁻¹ = a·b. The
        // product of a·R mod m (below m) and any b below R is below m·R, which is all Montgomery
        // reduction needs to give a fully reduced result.
        *self
            .form(a)
            .mul(&FixedMontyForm::from_montgomery(*b, &self.params))
            .as_montgomery()
    }

    fn sub(&self, a: &Uint<LIMBS>, b: &Uint<LIMBS>) -> Uint<LIMBS> {
        self.form(a).sub(&self.form(b)).retrieve()
    }

    fn invert(&self, a: &Uint<LIMBS>) -> CtOption<Uint<LIMBS>> {
        self.form(a).invert().map(|inverse| inverse.retrieve())
    }

    type Form = Form<LIMBS>;

    fn to_form(&self, x: &Uint<LIMBS>) -> Form<LIMBS> {
        Form(*self.form(x).as_montgomery())
    }

    fn one_form(&self) -> Form<LIMBS> {
        Form(*self.params.one())
    }

    fn square_form(&self, a: &Form<LIMBS>) -> Form<LIMBS> {
        Form(*self.monty(a).square().as_montgomery())
    }

    fn pow_of_two(&self, exponent: &Uint<LIMBS>) -> Uint<LIMBS> {
        on_ifma!(self, |ifma| ifma.pow(
            &Uint::from_u8(2),
            exponent,
            Uint::<LIMBS>::BITS
        ));
        // A squaring and a doubling (selected by the bit) per bit: on the portable arithmetic
        // cheaper than a window's general products (0.54 against 0.62 ms at 1024 bits), on IFMA
        // not (0.30 ms the window).
        let mut x = FixedMontyForm::one(&self.params);
        for i in (0..Uint::<LIMBS>::BITS).rev() {
            x = x.square();
            x = x.ct_select(&x.double(), exponent.bit(i));
        }
        x.retrieve()
    }

    fn pow_uint<const EXP_LIMBS: usize>(
        &self,
        base: &Uint<LIMBS>,
        exponent: &Uint<EXP_LIMBS>,
    ) -> Uint<LIMBS> {
        on_ifma!(self, |ifma| ifma.pow(
            base,
            exponent,
            Uint::<EXP_LIMBS>::BITS
        ));
        self.form(base).pow(exponent).retrieve()
    }

    fn pow_public_exponent<const EXP_LIMBS: usize>(
        &self,
        base: &Uint<LIMBS>,
        exponent: &Uint<EXP_LIMBS>,
    ) -> Uint<LIMBS> {
        on_ifma!(self, |ifma| ifma.pow_public_exponent(base, exponent));
        self.pow_public_exponent_portable(base, exponent)
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

    fn signed_multi_pow<const EXP_LIMBS: usize>(
        &self,
        bases: &[Uint<LIMBS>],
        exponents: &[Int<EXP_LIMBS>],
        exponent_bits: u32,
        invert_public: impl FnOnce(&Uint<LIMBS>) -> Option<Uint<LIMBS>>,
    ) -> Option<Uint<LIMBS>> {
        // Π b_i^w_i = Π b_i^(w_i + 2^k) · (Π b_i)^(−2^k): every exponent w_i + 2^k is positive,
        // so no base needs an inverse of its own, nor a secret choice between b_i and b_i⁻¹; the
        // one inversion is of the bases' product, public as they are. Any k with |w_i| < 2^k
        // will do, and BITS − 1 holds every Int: k and the schedule are public.
        let k = exponent_bits.min(Uint::<EXP_LIMBS>::BITS - 1);
        let offset = Uint::<EXP_LIMBS>::ONE.shl_vartime(k);
        let (product_of_bases, power) = self.offset_multi_pow(bases, exponents, &offset, k + 1);
        let inverse = invert_public(&product_of_bases)?;
        Some(self.mul(&power, &self.pow_public_exponent(&inverse, &offset)))
    }
}

/// The widest moduli, in IFMA vectors, whose pairs of exponentiations ([`PowBy::pow_pair`]) run
/// in one dual pass on one core even where two are free: up to 5 (2048 bits, the CRT halves of a
/// 2048-bit key) it beats the two halves on two cores, past it not. Measured here, a decryption
/// in one pass against two cores: 0.60 against 0.66 ms at 2048 bits, 1.62 against 1.36 ms at
/// 3072, 3.13 against 2.48 ms at 4096; the halves one after the other on one core take about
/// twice the two-core time.
const DUAL_ON_ONE_CORE: usize = 5;

/// Bits per window of [`Residues::pow_public_exponent`]: 2^(W−1) odd powers in the table (16 KiB
/// mod n² at n = 4096 on the portable arithmetic). The IFMA backend widens it for exponents past
/// 2048 bits (`ifma::WIDE_SLIDING_WINDOW`).
const SLIDING_WINDOW: u32 = 5;

/// One step of a sliding-window exponentiation.
#[derive(Clone, Copy)]
enum Step {
    /// Square the product (none are asked for before the first multiplication).
    Square,
    /// Multiply by the odd power x^(2·index + 1).
    Multiply(usize),
}

/// The steps of a sliding window of `width` bits over a **public** exponent, from its top bit:
/// the schedule branches on the exponent's bits. Both backends follow it.
fn sliding_window<const EXP_LIMBS: usize>(
    exponent: &Uint<EXP_LIMBS>,
    width: u32,
    mut step: impl FnMut(Step),
) {
    let mut started = false;
    let mut top = exponent.bit_width_vartime();
    while top > 0 {
        let high = top - 1;
        if !exponent.bit_vartime(high) {
            if started {
                step(Step::Square);
            }
            top = high;
            continue;
        }
        // The longest window [low, high] of at most W bits that ends in a 1.
        let mut low = high.saturating_sub(width - 1);
        while !exponent.bit_vartime(low) {
            low += 1;
        }
        let mut window = 0usize;
        for bit in (low..=high).rev() {
            window = (window << 1) | usize::from(exponent.bit_vartime(bit));
            if started {
                step(Step::Square);
            }
        }
        step(Step::Multiply(window >> 1));
        started = true;
        top = low;
    }
}

/// Bases per multi-exponentiation group: 8 tables of 16 powers (128 KiB at n = 4096).
const MULTI_POW_GROUP: usize = 8;

/// w + 2^k, the exponent [`Residues::signed_multi_pow`] raises a base to, for |w| < 2^k and
/// `offset` = 2^k < 2^BITS: in [0, 2^(k+1)), so the two's complement sum is exact.
fn offset_exponent<const EXP_LIMBS: usize>(
    exponent: &Int<EXP_LIMBS>,
    offset: &Uint<EXP_LIMBS>,
) -> Uint<EXP_LIMBS> {
    exponent.as_uint().wrapping_add(offset)
}

impl<const LIMBS: usize, const VECTORS: usize> Modulus<LIMBS, VECTORS> {
    /// [`Residues::pow_public_exponent`] on crypto-bigint's arithmetic. Out of line, as the IFMA
    /// backend's bodies are: inlined, its table would take stack in the other path's frame too.
    #[inline(never)]
    fn pow_public_exponent_portable<const EXP_LIMBS: usize>(
        &self,
        base: &Uint<LIMBS>,
        exponent: &Uint<EXP_LIMBS>,
    ) -> Uint<LIMBS> {
        // The odd powers x, x³, …, x^(2^W − 1), as raw Montgomery values (small on the stack).
        let x = self.form(base);
        let x_squared = x.square();
        let mut odd_powers = [*x.as_montgomery(); 1 << (SLIDING_WINDOW - 1)];
        let mut power = x;
        for slot in odd_powers.iter_mut().skip(1) {
            power = power.mul(&x_squared);
            *slot = *power.as_montgomery();
        }
        let mut product: Option<FixedMontyForm<LIMBS>> = None;
        sliding_window(exponent, SLIDING_WINDOW, |step| match step {
            Step::Square => product = product.map(|p| p.square()),
            Step::Multiply(index) => {
                if let Some(&power) = odd_powers.get(index) {
                    let power = self.monty(&Form(power));
                    product = Some(product.map_or(power, |p| p.mul(&power)));
                }
            }
        });
        let product = product.unwrap_or_else(|| FixedMontyForm::one(&self.params));
        odd_powers.zeroize();
        product.retrieve()
    }

    /// `(Π base_i, Π base_i^(exponent_i + offset))`, each offset exponent read over its low
    /// `exponent_bits` bits.
    fn offset_multi_pow<const EXP_LIMBS: usize>(
        &self,
        bases: &[Uint<LIMBS>],
        exponents: &[Int<EXP_LIMBS>],
        offset: &Uint<EXP_LIMBS>,
        exponent_bits: u32,
    ) -> (Uint<LIMBS>, Uint<LIMBS>) {
        on_ifma!(self, |ifma| ifma.offset_multi_pow(
            bases,
            exponents,
            offset,
            exponent_bits
        ));
        // crypto-bigint's heap-free multi-exponentiation takes a fixed number of terms, with a
        // table of 16 powers per base on the stack: take the terms in groups of at most
        // MULTI_POW_GROUP (the group sizes depend only on the public number of terms).
        let one = FixedMontyForm::one(&self.params);
        let (mut product_of_bases, mut product) = (one, one);
        for group in bases
            .chunks(MULTI_POW_GROUP)
            .zip(exponents.chunks(MULTI_POW_GROUP))
        {
            let offset = (offset, exponent_bits);
            let bases = &mut product_of_bases;
            product = product.mul(&match group.0.len().min(group.1.len()) {
                1 => self.multi_pow_group::<EXP_LIMBS, 1>(group, offset, bases),
                2 => self.multi_pow_group::<EXP_LIMBS, 2>(group, offset, bases),
                3 => self.multi_pow_group::<EXP_LIMBS, 3>(group, offset, bases),
                4 => self.multi_pow_group::<EXP_LIMBS, 4>(group, offset, bases),
                5 => self.multi_pow_group::<EXP_LIMBS, 5>(group, offset, bases),
                6 => self.multi_pow_group::<EXP_LIMBS, 6>(group, offset, bases),
                7 => self.multi_pow_group::<EXP_LIMBS, 7>(group, offset, bases),
                _ => self.multi_pow_group::<EXP_LIMBS, MULTI_POW_GROUP>(group, offset, bases),
            });
        }
        (product_of_bases.retrieve(), product.retrieve())
    }

    /// One group of exactly `GROUP` terms (the caller passes slices of that length), its bases
    /// multiplied into `product_of_bases`.
    fn multi_pow_group<const EXP_LIMBS: usize, const GROUP: usize>(
        &self,
        (bases, exponents): (&[Uint<LIMBS>], &[Int<EXP_LIMBS>]),
        (offset, exponent_bits): (&Uint<EXP_LIMBS>, u32),
        product_of_bases: &mut FixedMontyForm<LIMBS>,
    ) -> FixedMontyForm<LIMBS> {
        let one = FixedMontyForm::one(&self.params);
        let mut terms = [(one, Uint::<EXP_LIMBS>::ZERO); GROUP];
        for (slot, (base, exponent)) in terms.iter_mut().zip(bases.iter().zip(exponents)) {
            let base = self.form(base);
            *product_of_bases = product_of_bases.mul(&base);
            *slot = (base, offset_exponent(exponent, offset));
        }
        let product = FixedMontyForm::multi_exponentiate_bounded_exp(&terms, exponent_bits);
        // The exponents are secret (weights).
        for (_, exponent) in &mut terms {
            exponent.zeroize();
        }
        product
    }
}

impl<const LIMBS: usize, const VECTORS: usize, const EXP_LIMBS: usize> PowBy<Uint<EXP_LIMBS>>
    for Modulus<LIMBS, VECTORS>
{
    fn pow(&self, base: &Uint<LIMBS>, exponent: &Uint<EXP_LIMBS>) -> Uint<LIMBS> {
        self.pow_uint(base, exponent)
    }

    fn pow_public(&self, base: &Uint<LIMBS>, exponent: &Uint<EXP_LIMBS>) -> Uint<LIMBS> {
        self.pow_public_exponent(base, exponent)
    }

    fn pow_pair(
        &self,
        other: &Self,
        (a, x): (&Uint<LIMBS>, &Uint<EXP_LIMBS>),
        (b, y): (&Uint<LIMBS>, &Uint<EXP_LIMBS>),
    ) -> (Uint<LIMBS>, Uint<LIMBS>) {
        #[cfg(target_arch = "x86_64")]
        match (self.ifma_kernel(), other.ifma_kernel()) {
            (Some(IfmaKernel::Avx512(kernel)), Some(_))
                if VECTORS <= DUAL_ON_ONE_CORE || !crate::parallel::two_threads_free() =>
            {
                let [a, b] =
                    self.ifma_with(kernel)
                        .pow_pair(&other.ifma_with(kernel), [a, b], [x, y]);
                return (a, b);
            }
            #[cfg(hecate_ct_gate)]
            (Some(IfmaKernel::Emulated), Some(_)) => {
                let [a, b] = self.ifma_with(ifma::Emulated).pow_pair(
                    &other.ifma_with(ifma::Emulated),
                    [a, b],
                    [x, y],
                );
                return (a, b);
            }
            _ => {}
        }
        crate::parallel::join(|| self.pow_uint(a, x), || other.pow_uint(b, y))
    }
}

impl<const LIMBS: usize, const VECTORS: usize, const WIDE_LIMBS: usize> ReduceWide<Uint<WIDE_LIMBS>>
    for Modulus<LIMBS, VECTORS>
{
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

/// Inversion modulo a square r² of public values, by way of r.
pub trait InvertPublicBySquareRoot<Root>: Residues {
    /// `a⁻¹ mod m` for a **public** `a`, where the modulus m is `root`²: an inversion modulo the
    /// root, half as wide (a quarter of the work), lifted by Hensel's lemma. None if `a` is not
    /// invertible.
    fn invert_public_by_square_root(&self, a: &Self::Elem, root: &Odd<Root>) -> Option<Self::Elem>;
}

impl<const LIMBS: usize, const VECTORS: usize, const ROOT_LIMBS: usize>
    InvertPublicBySquareRoot<Uint<ROOT_LIMBS>> for Modulus<LIMBS, VECTORS>
{
    fn invert_public_by_square_root(
        &self,
        a: &Uint<LIMBS>,
        root: &Odd<Uint<ROOT_LIMBS>>,
    ) -> Option<Uint<LIMBS>> {
        const { assert!(LIMBS == 2 * ROOT_LIMBS, "the root is half as wide") };
        let (low, high) = a.split_resize::<ROOT_LIMBS, ROOT_LIMBS>();
        // The caller vouches that `a` is public.
        let a_mod_root = Uint::rem_wide_vartime((low, high), root.as_nz_ref());
        let y: Uint<LIMBS> = a_mod_root
            .invert_odd_mod_vartime(root)
            .into_option()?
            .resize();
        // a·y = 1 + t·r, so a·y·(2 − a·y) = (1 + t·r)(1 − t·r) = 1 − t²·r² ≡ 1 (mod r²).
        let a_y = self.mul(a, &y);
        let two_minus_a_y = Uint::from_u8(2).sub_mod(&a_y, self.params.modulus().as_nz_ref());
        Some(self.mul(&y, &two_minus_a_y))
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

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crypto_bigint::{BitOps, U1024};
    use num_bigint::BigUint;
    use proptest::prelude::*;
    use std::vec::Vec;

    fn big(x: &U1024) -> BigUint {
        BigUint::from_bytes_le(&x.to_le_bytes())
    }

    fn uint(bytes: &[u8]) -> U1024 {
        let mut padded = [0u8; 128];
        padded[..bytes.len()].copy_from_slice(bytes);
        U1024::from_le_slice(&padded)
    }

    /// An odd modulus with its top bit set, as every Hecate modulus has.
    fn modulus(bytes: &[u8]) -> Modulus<{ U1024::LIMBS }, { vectors_for(U1024::LIMBS) }> {
        let mut m = uint(bytes);
        m.set_bit(0, Choice::TRUE);
        m.set_bit(1023, Choice::TRUE);
        Modulus::new_public(Odd::new(m).unwrap())
    }

    proptest! {
        #[test]
        fn products_of_any_inputs_are_reduced(
            m in prop::collection::vec(any::<u8>(), 128),
            a in prop::collection::vec(any::<u8>(), 128),
            b in prop::collection::vec(any::<u8>(), 128),
        ) {
            // a and b may be up to 2^1024 − 1, past m.
            let modulus = modulus(&m);
            let (a, b) = (uint(&a), uint(&b));
            let expected = big(&a) * big(&b) % big(modulus.modulus());
            prop_assert_eq!(big(&modulus.mul(&a, &b)), expected);
        }

        #[test]
        fn public_exponents_by_sliding_window(
            m in prop::collection::vec(any::<u8>(), 128),
            base in prop::collection::vec(any::<u8>(), 128),
            exponent in prop::collection::vec(any::<u8>(), 0..=128),
            kind in 0u8..4,
        ) {
            let modulus = modulus(&m);
            let base = uint(&base);
            // Random, 0, all ones, and a lone top bit: every shape of window.
            let exponent = match kind {
                0 => uint(&exponent),
                1 => U1024::ZERO,
                2 => U1024::MAX.wrapping_shr_vartime(u32::try_from(exponent.len()).unwrap()),
                _ => U1024::ONE.wrapping_shl_vartime(u32::try_from(exponent.len() * 8).unwrap().min(1023)),
            };
            let expected = big(&base).modpow(&big(&exponent), &big(modulus.modulus()));
            prop_assert_eq!(big(&modulus.pow_public_exponent(&base, &exponent)), expected);
            prop_assert_eq!(modulus.pow_public_exponent(&base, &exponent), modulus.pow_uint(&base, &exponent));
        }

        #[test]
        fn public_inverses_by_the_square_root(
            root in prop::collection::vec(any::<u8>(), 64),
            a in prop::collection::vec(any::<u8>(), 128),
            edge in 0u8..4,
        ) {
            let mut root = crypto_bigint::U512::from_le_slice(&root);
            root.set_bit(0, Choice::TRUE);
            root.set_bit(511, Choice::TRUE);
            let root = Odd::new(root).unwrap();
            let square: U1024 = root.as_ref().concatenating_square();
            let modulus = Modulus::<16, { vectors_for(16) }>::new_public(Odd::new(square).unwrap());
            // Random, 1, the root (not invertible), and −1.
            let a = match edge {
                0 => uint(&a).rem_vartime(modulus.params.modulus().as_nz_ref()),
                1 => U1024::ONE,
                2 => root.as_ref().resize(),
                _ => square.wrapping_sub(&U1024::ONE),
            };
            let expected = big(&a).modinv(&big(&square));
            let inverse = modulus.invert_public_by_square_root(&a, &root);
            prop_assert_eq!(inverse.map(|x| big(&x)), expected);
        }

        #[test]
        fn signed_multi_exponentiation(
            m in prop::collection::vec(any::<u8>(), 128),
            terms in prop::collection::vec(
                (prop::collection::vec(any::<u8>(), 128), any::<i64>()),
                0..20,
            ),
            bits in 0u32..=63,
        ) {
            let modulus = modulus(&m);
            let m = big(modulus.modulus());
            let bases: Vec<_> = terms.iter().map(|(b, _)| uint(b)).collect();
            // Exponents below the bound in magnitude, of either sign.
            let exponents: Vec<_> = terms.iter().map(|(_, e)| e.checked_shr(63 - bits).unwrap_or(0)).collect();
            let signed: Vec<_> = exponents.iter().map(|&e| crypto_bigint::I128::from_i64(e)).collect();
            let product_of_bases = bases.iter().fold(BigUint::from(1u8), |p, b| p * big(b) % &m);
            let expected = product_of_bases.modinv(&m).map(|_| {
                bases.iter().zip(&exponents).fold(BigUint::from(1u8) % &m, |p, (b, &e)| {
                    let base = if e < 0 { big(b).modinv(&m).unwrap_or_default() } else { big(b) };
                    p * base.modpow(&BigUint::from(e.unsigned_abs()), &m) % &m
                })
            });
            let product = modulus.signed_multi_pow(&bases, &signed, bits, |x| x.invert_odd_mod_vartime(modulus.params.modulus()).into_option());
            prop_assert_eq!(product.map(|p| big(&p)), expected);
        }
    }
}

/// The AVX-512 IFMA backend against the portable arithmetic and num-bigint, at every width a key
/// size uses (p, p² and n², n² being 2·p² wide), on random values and on the edges.
#[cfg(all(test, target_arch = "x86_64"))]
mod ifma_tests {
    extern crate std;

    use super::*;
    use crypto_bigint::{BitOps, U256, U320, U1024};
    use num_bigint::BigUint;
    use proptest::prelude::*;

    fn big<const LIMBS: usize>(x: &Uint<LIMBS>) -> BigUint {
        BigUint::from_bytes_le(&x.to_le_bytes())
    }

    fn uint<const LIMBS: usize>(bytes: &[u8]) -> Uint<LIMBS> {
        let mut words = [0 as crypto_bigint::Word; LIMBS];
        for (word, chunk) in words.iter_mut().zip(bytes.chunks(8)) {
            let mut padded = [0u8; 8];
            padded.iter_mut().zip(chunk).for_each(|(p, c)| *p = *c);
            *word = u64::from_le_bytes(padded);
        }
        Uint::from_words(words)
    }

    /// The modulus' shape: its top bit set (p, q, n), one bit short (an n² or p² may be), or
    /// every bit set.
    fn modulus<const LIMBS: usize, const VECTORS: usize>(
        bytes: &[u8],
        shape: u8,
    ) -> Modulus<LIMBS, VECTORS> {
        let mut m: Uint<LIMBS> = uint(bytes);
        let top = Uint::<LIMBS>::BITS - 1;
        match shape {
            0 => m.set_bit(top, Choice::TRUE),
            1 => {
                m.set_bit(top, Choice::FALSE);
                m.set_bit(top - 1, Choice::TRUE);
            }
            _ => m = Uint::MAX,
        }
        m.set_bit(0, Choice::TRUE);
        Modulus::new_public(Odd::new(m).unwrap())
    }

    /// An operand: random, or an edge (0, 1, m − 1, m, m + 1, all ones).
    fn operand<const LIMBS: usize>(bytes: &[u8], edge: u8, m: &Uint<LIMBS>) -> Uint<LIMBS> {
        match edge {
            0 => Uint::ZERO,
            1 => Uint::ONE,
            2 => m.wrapping_sub(&Uint::ONE),
            3 => *m,
            4 => m.wrapping_add(&Uint::ONE),
            5 => Uint::MAX,
            _ => uint(bytes),
        }
    }

    /// Every operation of one IFMA kernel against num-bigint and crypto-bigint's arithmetic.
    fn check_kernel<const LIMBS: usize, const VECTORS: usize, K: ifma::Kernel>(
        ifma: &ifma::Ifma<VECTORS, K>,
        modulus: &Modulus<LIMBS, VECTORS>,
        a: &Uint<LIMBS>,
        b: &Uint<LIMBS>,
        exponent: &U256,
    ) -> Result<(), TestCaseError> {
        let big_m = big(modulus.modulus());
        let product = ifma.mul(a, b);
        prop_assert_eq!(big(&product), big(a) * big(b) % &big_m);

        let power = ifma.pow(a, exponent, U256::BITS);
        prop_assert_eq!(big(&power), big(a).modpow(&big(exponent), &big_m));
        prop_assert_eq!(ifma.pow_public_exponent(a, exponent), power);
        // A bound past the exponent's top bit, and one of 0 for the exponent 0.
        let bits = exponent.bit_width_vartime().max(1) + 3;
        prop_assert_eq!(ifma.pow(a, exponent, bits), power);
        prop_assert_eq!(
            big(&ifma.pow(a, &U256::ZERO, 0)),
            BigUint::from(1u8) % &big_m
        );
        // Exponents as wide as the modulus, and of 768 bits (b's low ones): the long windows;
        // past 2048 bits (moduli of 3072 bits and more) the wide sliding window too.
        let long_power = ifma.pow(a, b, Uint::<LIMBS>::BITS);
        prop_assert_eq!(big(&long_power), big(a).modpow(&big(b), &big_m));
        prop_assert_eq!(ifma.pow_public_exponent(a, b), long_power);
        let unused = Uint::<LIMBS>::BITS - 768;
        let low = b.shl_vartime(unused).shr_vartime(unused);
        prop_assert_eq!(
            big(&ifma.pow(a, &low, 768)),
            big(a).modpow(&big(&low), &big_m)
        );

        // Exponents x, −x and −1 offset by 2^256, read over 257 bits.
        let bases = [*a, *b, power];
        let x: U320 = exponent.resize();
        let exponents = [x, x.wrapping_neg(), U320::MAX].map(|e| *e.as_int());
        let offset = U320::ONE.shl_vartime(256);
        let big_offset = BigUint::from(1u8) << 256u32;
        let offset_exponents = [
            &big_offset + big(exponent),
            &big_offset - big(exponent),
            &big_offset - 1u8,
        ];
        let (product_of_bases, product) = ifma.offset_multi_pow(&bases, &exponents, &offset, 257);
        let mut expected = (BigUint::from(1u8) % &big_m, BigUint::from(1u8) % &big_m);
        for (base, e) in bases.iter().zip(&offset_exponents) {
            expected.0 = expected.0 * big(base) % &big_m;
            expected.1 = expected.1 * big(base).modpow(e, &big_m) % &big_m;
        }
        prop_assert_eq!((big(&product_of_bases), big(&product)), expected);
        Ok(())
    }

    fn check<const LIMBS: usize, const VECTORS: usize>(
        (m, shape): (&[u8], u8),
        (a, a_edge): (&[u8], u8),
        (b, b_edge): (&[u8], u8),
        exponent: &[u8],
    ) -> Result<(), TestCaseError> {
        let modulus = modulus::<LIMBS, VECTORS>(m, shape);
        let m = *modulus.modulus();
        let (a, b) = (operand(a, a_edge, &m), operand(b, b_edge, &m));
        let exponent: U256 = uint(exponent);
        // The kernel's algorithm on plain lanes, on any CPU.
        let emulated = modulus.ifma_with(ifma::Emulated);
        check_kernel(&emulated, &modulus, &a, &b, &exponent)?;
        // The instructions themselves where the CPU has them, and the modulus' dispatch to them.
        let kernel = modulus.ifma_kernel();
        prop_assert_eq!(kernel.is_some(), ifma_enabled());
        if let Some(IfmaKernel::Avx512(kernel)) = kernel {
            check_kernel(&modulus.ifma_with(kernel), &modulus, &a, &b, &exponent)?;
            prop_assert_eq!(
                big(&modulus.pow_uint(&b, &exponent)),
                big(&b).modpow(&big(&exponent), &big(&m))
            );
        }
        // Two exponentiations together, modulo m and another modulus of the width (m's bytes
        // reversed, in the mirror shape), on emulated lanes and through the dispatch.
        let reversed: std::vec::Vec<u8> = m.to_le_bytes().iter().rev().copied().collect();
        let other = self::modulus::<LIMBS, VECTORS>(&reversed, 2 - shape);
        let big_other = big(other.modulus());
        let low: U256 = a.resize();
        let expected = (
            big(&a).modpow(&big(&exponent), &big(&m)),
            big(&b).modpow(&big(&low), &big_other),
        );
        let [x, y] = modulus.ifma_with(ifma::Emulated).pow_pair(
            &other.ifma_with(ifma::Emulated),
            [&a, &b],
            [&exponent, &low],
        );
        prop_assert_eq!((big(&x), big(&y)), expected.clone());
        let (x, y) = modulus.pow_pair(&other, (&a, &exponent), (&b, &low));
        prop_assert_eq!((big(&x), big(&y)), expected);
        // Through the modulus' dispatch (the IFMA backend where the CPU has it, else the
        // portable one), past one group, with both signs: a^(6x) · b^(−5x), none unless a·b is
        // invertible.
        let x: U320 = exponent.resize();
        let bases = [[a; 6].as_slice(), &[b; 5]].concat();
        let exponents = [
            [*x.as_int(); 6].as_slice(),
            &[*x.wrapping_neg().as_int(); 5],
        ]
        .concat();
        let big_m = big(&m);
        let expected = (big(&a) * big(&b)).modinv(&big_m).map(|_| {
            let b_inverse = big(&b).modinv(&big_m).unwrap_or_default();
            big(&a).modpow(&(big(&exponent) * 6u8), &big_m)
                * b_inverse.modpow(&(big(&exponent) * 5u8), &big_m)
                % &big_m
        });
        let product = modulus.signed_multi_pow(&bases, &exponents, 256, |x| {
            x.invert_odd_mod_vartime(modulus.params.modulus())
                .into_option()
        });
        prop_assert_eq!(product.map(|p| big(&p)), expected);
        Ok(())
    }

    macro_rules! widths {
        ($($name:ident: $limbs:literal, $cases:literal;)*) => {$(
            proptest! {
                #![proptest_config(ProptestConfig::with_cases($cases))]
                #[test]
                fn $name(
                    m in prop::collection::vec(any::<u8>(), $limbs * 8),
                    shape in 0u8..3,
                    a in prop::collection::vec(any::<u8>(), $limbs * 8),
                    a_edge in 0u8..10,
                    b in prop::collection::vec(any::<u8>(), $limbs * 8),
                    b_edge in 0u8..10,
                    exponent in prop::collection::vec(any::<u8>(), 0..=32),
                ) {
                    check::<$limbs, { vectors_for($limbs) }>(
                        (&m, shape), (&a, a_edge), (&b, b_edge), &exponent,
                    )?;
                }
            }
        )*};
    }

    widths! {
        ifma_1024: 16, 64;
        ifma_1536: 24, 48;
        ifma_2048: 32, 32;
        ifma_3072: 48, 24;
        ifma_4096: 64, 16;
        ifma_6144: 96, 12;
        ifma_8192: 128, 8;
    }

    fn kept_r_squared_is_right<const LIMBS: usize, const VECTORS: usize>() {
        for shape in 0..3 {
            let modulus = modulus::<LIMBS, VECTORS>(&[0x5a; 1024], shape);
            let m = big(modulus.params.modulus().as_ref());
            let bits = DIGIT_BITS as usize * 8 * VECTORS;
            assert_eq!(
                big(&modulus.ifma_r_squared),
                (BigUint::from(1u8) << (2 * bits)) % &m,
                "{LIMBS} limbs, shape {shape}"
            );
            // The constant-time parameters of a secret modulus give the same.
            let secret = Modulus::<LIMBS, VECTORS>::new_secret(*modulus.params.modulus());
            assert_eq!(secret.ifma_r_squared, modulus.ifma_r_squared);
        }
    }

    #[test]
    fn the_kept_r_squared_is_right_at_every_width() {
        // From one limb, where 2(B − F) bits exceed F, to Hecate's widest.
        kept_r_squared_is_right::<1, { vectors_for(1) }>();
        kept_r_squared_is_right::<5, { vectors_for(5) }>();
        kept_r_squared_is_right::<16, { vectors_for(16) }>();
        kept_r_squared_is_right::<48, { vectors_for(48) }>();
        kept_r_squared_is_right::<128, { vectors_for(128) }>();
    }

    #[test]
    fn a_modulus_short_of_its_width_stays_portable() {
        // 2^(1024 − 5) + 1 is too small for the backend's margin at 1024 bits.
        let small = U1024::ONE.shl_vartime(1019).wrapping_add(&U1024::ONE);
        let modulus = Modulus::<16, { vectors_for(16) }>::new_public(Odd::new(small).unwrap());
        assert!(modulus.ifma_kernel().is_none());
    }
}
