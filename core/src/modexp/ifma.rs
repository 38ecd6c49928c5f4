//! Montgomery arithmetic on AVX-512 IFMA (`vpmadd52luq`/`vpmadd52huq`): 52-bit digits, eight to a
//! 512-bit vector, after OpenSSL's `rsaz-2k-avx512` (no crate offers it for these widths, nor in
//! `no_std`). Chosen at run time by [`Ifma::new`], which exists only on a CPU with the features.
//!
//! The product is the *almost* Montgomery multiplication (AMM, as OpenSSL's): for a·b < m·R it
//! returns a value below 2m that is a·b·R⁻¹ mod m, R = 2^(52·8N), since (a·b + q·m)/R < m + m
//! for the q < R it adds. With 16m > 2^(64·LIMBS) (the modulus fills its width but for at most two
//! bits) and 16·2^(64·LIMBS) ≤ R ([`vectors_for`](super::vectors_for)), every product here meets
//! that bound: two operands below 2m (4m² < m·R), or one below 2m and one any value of the width.
//! Only the conversion out subtracts m once to reach the reduced residue.
//!
//! Constant time: no branch, index or early exit depends on a digit. Windows of a secret exponent
//! are read at public positions and their table entries picked by a scan of the whole table under
//! masks; only loop counters (public widths, a public exponent bound) steer the control flow,
//! except in [`Ifma::pow_public_exponent`], whose schedule follows its public exponent.
#![allow(
    unsafe_code,
    reason = "the SIMD kernel: intrinsics behind a run-time CPU check"
)]
#![allow(
    clippy::indexing_slicing,
    reason = "indices are loop counters below N over arrays of length N, or 0 with N ≥ 1 asserted"
)]
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    reason = "widths and bit positions are small constants; u64 ↔ i64 casts keep the bits for the \
              intrinsics, which take signed lanes"
)]

use core::arch::x86_64::{
    __m512i, _mm_cvtsi128_si64, _mm512_add_epi64, _mm512_alignr_epi64, _mm512_castsi512_si128,
    _mm512_cmpeq_epi64_mask, _mm512_loadu_epi64, _mm512_madd52hi_epu64, _mm512_madd52lo_epu64,
    _mm512_mask_mov_epi64, _mm512_maskz_set1_epi64, _mm512_set1_epi64, _mm512_setzero_si512,
    _mm512_storeu_epi64,
};
use core::fmt;

use crypto_bigint::{Choice, Int, Uint, Word};
use zeroize::Zeroize;

cpufeatures::new!(ifma_cpuid, "avx512f", "avx512ifma");

use super::{DIGIT_BITS, SLIDING_WINDOW, Step, sliding_window, vectors_for};

const DIGIT_MASK: u64 = (1 << DIGIT_BITS) - 1;

/// Bits per window of the fixed-window exponentiation by a short exponent (a 256-bit weight or
/// scalar), and of [`Ifma::pow_pair`]: 16 powers per table.
const WINDOW: u32 = 4;
const TABLE: usize = 1 << WINDOW;
/// Bits per window of [`Ifma::pow`] by an exponent of [`LONG_EXPONENT_BITS`] or more (a prime's
/// width: keygen's primality tests, the key holder's encryption): 32 powers per table. Measured
/// here, windows of 3 to 6 bits interleaved in one run (41 rounds, medians), 5 against 4 took
/// 2–4% less time at every width from 1024 to 4096 bits with a full-width exponent (0.746 against
/// 0.777 ms mod a 2048-bit p², 1.900 against 1.949 mod a 3072-bit one), 6 no less than 5, and 2–3%
/// more with a 256-bit exponent, where the larger table costs more than the windows it saves.
/// The pair keeps 4: 5 gained at most 2% there and would double its two tables, the largest
/// frame of a no_std decryption.
const LONG_WINDOW: u32 = 5;
const LONG_TABLE: usize = 1 << LONG_WINDOW;
/// The exponent width from which [`LONG_WINDOW`] pays: between the 256 bits where it loses and the
/// 1024 where it wins.
const LONG_EXPONENT_BITS: u32 = 768;

/// Bits per window of [`Ifma::pow_public_exponent`] by an exponent wider than
/// [`WIDE_SLIDING_FROM_BITS`] (the n of a 3072- or 4096-bit key, for rⁿ): 32 odd powers instead
/// of [`SLIDING_WINDOW`]'s 16. Measured here (interleaved as for [`LONG_WINDOW`]), an rⁿ mod n²
/// took 3.3% less time in windows of 6 than of 5 at 3072 bits (9.89 against 10.22 ms) and 2.4%
/// at 4096 (21.51 against 22.04); 7 bits gained another 1–2% for twice the table.
const WIDE_SLIDING_WINDOW: u32 = 6;
/// The widest exponent that keeps [`SLIDING_WINDOW`]: at a 2048-bit n, windows of 6 gained 2%
/// but would take a no_std public-key encryption from 24 KiB of stack to 34, over its budget.
const WIDE_SLIDING_FROM_BITS: u32 = 2048;

/// Bits per window of [`Ifma::offset_multi_pow`]: its exponents are short (weights), so that the
/// tables cost more than the products by them, and its squarings are shared by a group of bases.
/// Measured here (100 bases mod a 4096-bit n², 66-bit exponents), 3-bit windows in groups of 16
/// took 8% less time than 4-bit windows in groups of 8 (3.9 against 4.3 ms), in the same memory:
/// 7 products per table instead of 15, and half as many squarings.
const MULTI_POW_WINDOW: u32 = 3;
const MULTI_POW_TABLE: usize = 1 << MULTI_POW_WINDOW;
/// Bases per group of [`Ifma::offset_multi_pow`]: 16 tables of 8 powers (160 KiB at N = 20,
/// the n² of a 4096-bit key).
const MULTI_POW_GROUP: usize = 16;

/// 8·N digits of 52 bits, least significant first: a residue or an exponentiation table entry.
#[derive(Clone, Copy, Zeroize)]
#[repr(C, align(64))]
pub(super) struct Digits<const N: usize>([[u64; 8]; N]);

impl<const N: usize> Digits<N> {
    const ZERO: Self = Self([[0; 8]; N]);

    /// The digits of a value below 2^(64·LIMBS) ≤ R.
    fn from_uint<const LIMBS: usize>(x: &Uint<LIMBS>) -> Self {
        let words = x.as_words();
        let mut out = Self::ZERO;
        for (index, digit) in out.0.as_flattened_mut().iter_mut().enumerate() {
            // Positions are public: which words a digit straddles depends on the index only.
            let bit = index * DIGIT_BITS as usize;
            let (word, shift) = (bit >> 6, (bit & 63) as u32);
            let low = words.get(word).map_or(0, |w| w >> shift);
            let high = match (shift, words.get(word + 1)) {
                (1.., Some(next)) => next << (64 - shift),
                _ => 0,
            };
            *digit = (low | high) & DIGIT_MASK;
        }
        out
    }

    /// The value of normalized digits, which must be below 2^(64·LIMBS).
    fn to_uint<const LIMBS: usize>(self) -> Uint<LIMBS> {
        let mut words = [0 as Word; LIMBS];
        for (index, &digit) in self.0.as_flattened().iter().enumerate() {
            let bit = index * DIGIT_BITS as usize;
            let (word, shift) = (bit >> 6, (bit & 63) as u32);
            if let Some(w) = words.get_mut(word) {
                *w |= digit << shift;
            }
            if let (1.., Some(w)) = (shift, words.get_mut(word + 1)) {
                *w |= digit >> (64 - shift);
            }
        }
        Uint::from_words(words)
    }

    /// 1.
    const ONE: Self = {
        let mut out = Self::ZERO;
        out.0[0][0] = 1;
        out
    };

    /// `self − m` if that is not negative, else `self`, for normalized digits: the last step
    /// of every conversion out.
    fn subtract_once(&mut self, modulus: &Self) {
        let mut difference = Self::ZERO;
        let mut borrow = 0u64;
        for ((out, &x), &m) in difference
            .0
            .as_flattened_mut()
            .iter_mut()
            .zip(self.0.as_flattened())
            .zip(modulus.0.as_flattened())
        {
            let d = x.wrapping_sub(m).wrapping_sub(borrow);
            *out = d & DIGIT_MASK;
            borrow = d >> 63;
        }
        // The difference where the subtraction did not borrow, that is self ≥ m.
        let borrowed = Choice::from_u64_lsb(borrow);
        for (x, d) in self
            .0
            .as_flattened_mut()
            .iter_mut()
            .zip(difference.0.as_flattened())
        {
            *x = borrowed.select_u64(*d, *x);
        }
        difference.zeroize();
    }
}

/// The modulus and its constants for one operation, and the kernel that multiplies
/// ([`Avx512`] unless a test runs the same code on [`Emulated`] lanes). Built on the stack for
/// each operation from the modulus' parameters by radix conversions only: the modulus keeps R²,
/// whose derivation takes two products, as many as a whole `mul` (a homomorphic addition at 2048
/// bits: 5.2 µs deriving it, 3.0 with it kept).
pub(super) struct Ifma<const N: usize, K = Avx512> {
    modulus: Digits<N>,
    /// R² mod m.
    r_squared: Digits<N>,
    /// −m⁻¹ mod 2^52.
    neg_inverse: u64,
    kernel: K,
}

impl<const N: usize, K> Drop for Ifma<N, K> {
    fn drop(&mut self) {
        // The modulus may be a secret prime.
        self.modulus.zeroize();
        self.r_squared.zeroize();
        self.neg_inverse.zeroize();
    }
}

impl<const N: usize, K> fmt::Debug for Ifma<N, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ifma(<redacted>)")
    }
}

/// True if this CPU has AVX-512F and AVX-512 IFMA.
pub(super) fn available() -> bool {
    ifma_cpuid::get()
}

impl<const N: usize, K: Kernel> Ifma<N, K> {
    /// The constants for modulus m: `r_squared` = R² mod m, R = 2^(52·8N), and `neg_inverse` =
    /// −m⁻¹ mod 2^64 (crypto-bigint's). m must be at least 2^(64·LIMBS − 4).
    pub(super) fn new<const LIMBS: usize>(
        kernel: K,
        modulus: &Uint<LIMBS>,
        r_squared: &Uint<LIMBS>,
        neg_inverse: u64,
    ) -> Self {
        const { assert!(N >= 1 && N == vectors_for(LIMBS), "N fits the modulus") };
        Self {
            modulus: Digits::from_uint(modulus),
            r_squared: Digits::from_uint(r_squared),
            neg_inverse: neg_inverse & DIGIT_MASK,
            kernel,
        }
    }

    /// `a · b mod m`, fully reduced, for `a`, `b` of the modulus' width.
    #[inline(never)]
    pub(super) fn mul<const LIMBS: usize>(&self, a: &Uint<LIMBS>, b: &Uint<LIMBS>) -> Uint<LIMBS> {
        let (mut a, mut b) = (Digits::from_uint(a), Digits::from_uint(b));
        // AMM(AMM(a, b), R²) = a·b.
        let product = self.amm(&a, &b);
        let product = self.reduce(&self.amm(&product, &self.r_squared));
        a.zeroize();
        b.zeroize();
        product.to_uint()
    }

    /// `base^exponent mod m` over the low `exponent_bits` bits of the exponent, in fixed windows
    /// whose width follows `exponent_bits` (public).
    pub(super) fn pow<const LIMBS: usize, const EXP_LIMBS: usize>(
        &self,
        base: &Uint<LIMBS>,
        exponent: &Uint<EXP_LIMBS>,
        exponent_bits: u32,
    ) -> Uint<LIMBS> {
        if exponent_bits >= LONG_EXPONENT_BITS {
            self.pow_in_windows::<LONG_WINDOW, LONG_TABLE, LIMBS, EXP_LIMBS>(
                base,
                exponent,
                exponent_bits,
            )
        } else {
            self.pow_in_windows::<WINDOW, TABLE, LIMBS, EXP_LIMBS>(base, exponent, exponent_bits)
        }
    }

    /// [`Self::pow`] in windows of `WINDOW` bits, `TABLE` = 2^`WINDOW`.
    #[inline(never)]
    fn pow_in_windows<
        const WINDOW: u32,
        const TABLE: usize,
        const LIMBS: usize,
        const EXP_LIMBS: usize,
    >(
        &self,
        base: &Uint<LIMBS>,
        exponent: &Uint<EXP_LIMBS>,
        exponent_bits: u32,
    ) -> Uint<LIMBS> {
        const { assert!(TABLE == 1 << WINDOW) };
        let base = Digits::from_uint(base);
        let mut table = [Digits::ZERO; TABLE];
        self.powers(&base, &mut table);
        let exponent = exponent.as_words();
        let windows = exponent_bits.div_ceil(WINDOW);
        // The top window picks the first product: no squarings of 1.
        let mut product = match windows.checked_sub(1) {
            Some(top) => self.kernel.select(&table, window_at(exponent, top, WINDOW)),
            None => table[0],
        };
        for window in (0..windows.saturating_sub(1)).rev() {
            for _ in 0..WINDOW {
                product = self.amm(&product, &product);
            }
            product = self.amm(
                &product,
                &self
                    .kernel
                    .select(&table, window_at(exponent, window, WINDOW)),
            );
        }
        table.zeroize();
        let power = self.out_of_montgomery(&product);
        product.zeroize();
        power.to_uint()
    }

    /// `[base^exponent mod m, other_base^other_exponent mod m']` for this modulus m and
    /// `other`'s m', of the same width, over every bit of both exponents: [`Self::pow`] twice in
    /// one pass, each product paired with the other's ([`Kernel::amm_pair`]), as RSAZ's dual
    /// exponentiation does for RSA's CRT halves.
    #[inline(never)]
    pub(super) fn pow_pair<const LIMBS: usize, const EXP_LIMBS: usize>(
        &self,
        other: &Self,
        bases: [&Uint<LIMBS>; 2],
        exponents: [&Uint<EXP_LIMBS>; 2],
    ) -> [Uint<LIMBS>; 2] {
        let mut tables = [[Digits::ZERO; TABLE]; 2];
        let [first, second] = &mut tables;
        self.powers(&Digits::from_uint(bases[0]), first);
        other.powers(&Digits::from_uint(bases[1]), second);
        let entries = |tables: &[[Digits<N>; TABLE]; 2], window| {
            let [first, second] = exponents.map(|e| window_at(e.as_words(), window, WINDOW));
            [
                self.kernel.select(&tables[0], first),
                self.kernel.select(&tables[1], second),
            ]
        };
        // The top window picks the first products: no squarings of 1.
        let windows = Uint::<EXP_LIMBS>::BITS.div_ceil(WINDOW);
        let mut products = entries(&tables, windows - 1);
        for window in (0..windows - 1).rev() {
            for _ in 0..WINDOW {
                products = self.amm_pair(other, &products, &products);
            }
            products = self.amm_pair(other, &products, &entries(&tables, window));
        }
        tables.zeroize();
        let powers = [
            self.out_of_montgomery(&products[0]).to_uint(),
            other.out_of_montgomery(&products[1]).to_uint(),
        ];
        products.zeroize();
        powers
    }

    /// `base^exponent mod m` for a **public** exponent, by a sliding window: the schedule, and
    /// which table entry each step reads, follow the exponent's bits.
    pub(super) fn pow_public_exponent<const LIMBS: usize, const EXP_LIMBS: usize>(
        &self,
        base: &Uint<LIMBS>,
        exponent: &Uint<EXP_LIMBS>,
    ) -> Uint<LIMBS> {
        // Variable time in the exponent's width, which is public.
        if exponent.bit_width_vartime() > WIDE_SLIDING_FROM_BITS {
            self.pow_public_in_windows::<WIDE_SLIDING_WINDOW, { 1 << (WIDE_SLIDING_WINDOW - 1) }, LIMBS, EXP_LIMBS>(base, exponent)
        } else {
            self.pow_public_in_windows::<SLIDING_WINDOW, { 1 << (SLIDING_WINDOW - 1) }, LIMBS, EXP_LIMBS>(base, exponent)
        }
    }

    /// [`Self::pow_public_exponent`] in windows of `WINDOW` bits, `ODD_POWERS` = 2^(`WINDOW` − 1).
    #[inline(never)]
    fn pow_public_in_windows<
        const WINDOW: u32,
        const ODD_POWERS: usize,
        const LIMBS: usize,
        const EXP_LIMBS: usize,
    >(
        &self,
        base: &Uint<LIMBS>,
        exponent: &Uint<EXP_LIMBS>,
    ) -> Uint<LIMBS> {
        const { assert!(ODD_POWERS == 1 << (WINDOW - 1)) };
        // The odd powers x, x³, …, x^(2^W − 1).
        let x = self.amm(&Digits::from_uint(base), &self.r_squared);
        let x_squared = self.amm(&x, &x);
        let mut odd_powers = [x; ODD_POWERS];
        let mut power = x;
        for slot in odd_powers.iter_mut().skip(1) {
            power = self.amm(&power, &x_squared);
            *slot = power;
        }
        let mut product = None;
        sliding_window(exponent, WINDOW, |step| match step {
            Step::Square => product = product.map(|p| self.amm(&p, &p)),
            Step::Multiply(index) => {
                if let Some(power) = odd_powers.get(index) {
                    product = Some(product.map_or(*power, |p| self.amm(&p, power)));
                }
            }
        });
        odd_powers.zeroize();
        // x⁰ = R mod m when the exponent is 0.
        let product = product.unwrap_or_else(|| self.one());
        self.out_of_montgomery(&product).to_uint()
    }

    /// `(Π base_i, Π base_i^(exponent_i + offset)) mod m`, fully reduced, each offset exponent
    /// read over its low `exponent_bits` bits: Straus' interleaved windows in groups of
    /// [`MULTI_POW_GROUP`] bases, the squarings shared within a group. Terms past the shorter
    /// slice are ignored.
    #[inline(never)]
    pub(super) fn offset_multi_pow<const LIMBS: usize, const EXP_LIMBS: usize>(
        &self,
        bases: &[Uint<LIMBS>],
        exponents: &[Int<EXP_LIMBS>],
        offset: &Uint<EXP_LIMBS>,
        exponent_bits: u32,
    ) -> (Uint<LIMBS>, Uint<LIMBS>) {
        let one = self.one();
        let (mut product_of_bases, mut product) = (one, one);
        let mut tables = [[one; MULTI_POW_TABLE]; MULTI_POW_GROUP];
        let mut offset_exponents = [Uint::<EXP_LIMBS>::ZERO; MULTI_POW_GROUP];
        let windows = exponent_bits.div_ceil(MULTI_POW_WINDOW);
        for (group, group_exponents) in bases
            .chunks(MULTI_POW_GROUP)
            .zip(exponents.chunks(MULTI_POW_GROUP))
        {
            let terms = group.len().min(group_exponents.len());
            for ((table, base), (slot, exponent)) in tables
                .iter_mut()
                .zip(group)
                .zip(offset_exponents.iter_mut().zip(group_exponents))
            {
                let x = self.amm(&Digits::from_uint(base), &self.r_squared);
                product_of_bases = self.amm(&product_of_bases, &x);
                let mut power = x;
                for entry in table.iter_mut().skip(1) {
                    *entry = power;
                    power = self.amm(&power, &x);
                }
                *slot = super::offset_exponent(exponent, offset);
            }
            let mut group_product = one;
            for window in (0..windows).rev() {
                // No squarings of 1 before the top window.
                if window + 1 < windows {
                    for _ in 0..MULTI_POW_WINDOW {
                        group_product = self.amm(&group_product, &group_product);
                    }
                }
                for (table, exponent) in tables.iter().zip(&offset_exponents).take(terms) {
                    let entry = self.kernel.select(
                        table,
                        window_at(exponent.as_words(), window, MULTI_POW_WINDOW),
                    );
                    group_product = self.amm(&group_product, &entry);
                }
            }
            product = self.amm(&product, &group_product);
            group_product.zeroize();
        }
        tables.zeroize();
        offset_exponents.zeroize();
        let power = self.out_of_montgomery(&product);
        product.zeroize();
        (
            self.out_of_montgomery(&product_of_bases).to_uint(),
            power.to_uint(),
        )
    }

    fn amm(&self, a: &Digits<N>, b: &Digits<N>) -> Digits<N> {
        self.kernel.amm(&self.modulus, self.neg_inverse, a, b)
    }

    /// AMM(a₀, b₀) modulo this modulus and AMM(a₁, b₁) modulo `other`'s, together.
    fn amm_pair(&self, other: &Self, a: &[Digits<N>; 2], b: &[Digits<N>; 2]) -> [Digits<N>; 2] {
        self.kernel.amm_pair([
            AmmInputs {
                modulus: &self.modulus,
                neg_inverse: self.neg_inverse,
                a: &a[0],
                b: &b[0],
            },
            AmmInputs {
                modulus: &other.modulus,
                neg_inverse: other.neg_inverse,
                a: &a[1],
                b: &b[1],
            },
        ])
    }

    /// 1 in Montgomery form: AMM(R², 1) = R mod m (below 2m).
    fn one(&self) -> Digits<N> {
        self.amm(&self.r_squared, &Digits::ONE)
    }

    /// Fully reduced from below 2m.
    fn reduce(&self, x: &Digits<N>) -> Digits<N> {
        let mut x = *x;
        x.subtract_once(&self.modulus);
        x
    }

    /// Out of the Montgomery form: AMM(x, 1) is at most m (only x ≡ 0 reaches m), then one
    /// conditional subtraction.
    fn out_of_montgomery(&self, x: &Digits<N>) -> Digits<N> {
        self.reduce(&self.amm(x, &Digits::ONE))
    }

    /// x⁰ … x^(TABLE − 1) in Montgomery form, below 2m, into `table`.
    fn powers<const TABLE: usize>(&self, base: &Digits<N>, table: &mut [Digits<N>; TABLE]) {
        // Filled in place: a returned table would be copied, and the stack is tight in no_std.
        table[0] = self.one();
        let x = self.amm(base, &self.r_squared);
        let mut power = x;
        for slot in table.iter_mut().skip(1) {
            *slot = power;
            power = self.amm(&power, &x);
        }
        power.zeroize();
    }
}

/// The `width` bits of an exponent from `window · width` (public positions).
fn window_at(exponent: &[Word], window: u32, width: u32) -> u64 {
    let bit = window * width;
    let (word, shift) = ((bit >> 6) as usize, bit & 63);
    let low = exponent.get(word).map_or(0, |w| w >> shift);
    let high = match (shift, exponent.get(word + 1)) {
        (1.., Some(next)) => next << (64 - shift),
        _ => 0,
    };
    (low | high) & ((1 << width) - 1)
}

/// The two operations every exponentiation is made of.
pub(super) trait Kernel: Copy {
    /// The almost Montgomery product a·b·R⁻¹ (mod m), below 2m, for normalized digits with
    /// a·b < m·R.
    fn amm<const N: usize>(
        self,
        modulus: &Digits<N>,
        neg_inverse: u64,
        a: &Digits<N>,
        b: &Digits<N>,
    ) -> Digits<N>;
    /// Two independent AMMs at once.
    fn amm_pair<const N: usize>(self, pair: [AmmInputs<'_, N>; 2]) -> [Digits<N>; 2];
    /// `table[index]`, every entry read, the one at `index` kept under a mask.
    fn select<const N: usize, const T: usize>(
        self,
        table: &[Digits<N>; T],
        index: u64,
    ) -> Digits<N>;
}

/// The operands of one AMM in [`Kernel::amm_pair`].
#[derive(Clone, Copy)]
pub(super) struct AmmInputs<'a, const N: usize> {
    modulus: &'a Digits<N>,
    neg_inverse: u64,
    a: &'a Digits<N>,
    b: &'a Digits<N>,
}

/// The 8-lane operations the kernel is written in: one vector type, inlined into the caller.
trait Lanes: Copy {
    type Vector: Copy;
    fn zero(self) -> Self::Vector;
    fn splat(self, x: u64) -> Self::Vector;
    fn load(self, digits: &[u64; 8]) -> Self::Vector;
    fn store(self, vector: Self::Vector) -> [u64; 8];
    /// `sum + low 52 bits of a·b` in each lane (a, b taken mod 2^52).
    fn madd52lo(self, sum: Self::Vector, a: Self::Vector, b: Self::Vector) -> Self::Vector;
    /// `sum + bits 52…103 of a·b` in each lane.
    fn madd52hi(self, sum: Self::Vector, a: Self::Vector, b: Self::Vector) -> Self::Vector;
    /// Lanes 1…7 of `low`, then lane 0 of `high`: one step down a multi-vector number.
    fn shift_down(self, high: Self::Vector, low: Self::Vector) -> Self::Vector;
    /// `x` added to lane 0.
    fn add_to_lane_0(self, vector: Self::Vector, x: u64) -> Self::Vector;
    fn lane_0(self, vector: Self::Vector) -> u64;
    /// `entry` in each lane where `position == index`, else `out`: by a mask, no branch.
    fn keep_if_equal(
        self,
        out: Self::Vector,
        index: Self::Vector,
        position: u64,
        entry: Self::Vector,
    ) -> Self::Vector;
}

/// One AMM on any [`Lanes`] in progress, a digit of b at a time, after OpenSSL's `amm52x20_x1`:
/// for each digit b_i of b, add a·b_i and q·m (q chosen to clear the lowest digit) as low
/// halves, drop the lowest digit (its carry to the next), then add the high halves. Digits may
/// exceed 52 bits in between (at most 4 halves below 2^52 a step, 8·N steps: below 2^62); one
/// carry pass normalizes them at the end.
struct Amm<L: Lanes, const N: usize> {
    a: [L::Vector; N],
    modulus: [L::Vector; N],
    sum: [L::Vector; N],
    a0: u64,
    m0: u64,
    neg_inverse: u64,
    /// The lowest digit of `sum`, also kept in a scalar register for the choice of q.
    low: u64,
}

impl<L: Lanes, const N: usize> Amm<L, N> {
    #[inline(always)]
    fn new(lanes: L, modulus: &Digits<N>, neg_inverse: u64, a: &Digits<N>) -> Self {
        let mut amm = Self {
            a: [lanes.zero(); N],
            modulus: [lanes.zero(); N],
            sum: [lanes.zero(); N],
            a0: a.0[0][0],
            m0: modulus.0[0][0],
            neg_inverse,
            low: 0,
        };
        for ((av, mv), (ad, md)) in amm
            .a
            .iter_mut()
            .zip(&mut amm.modulus)
            .zip(a.0.iter().zip(&modulus.0))
        {
            *av = lanes.load(ad);
            *mv = lanes.load(md);
        }
        amm
    }

    #[inline(always)]
    fn step(&mut self, lanes: L, b_digit: u64) {
        let mut low = self
            .low
            .wrapping_add(self.a0.wrapping_mul(b_digit) & DIGIT_MASK);
        let q = low.wrapping_mul(self.neg_inverse) & DIGIT_MASK;
        low = low.wrapping_add(self.m0.wrapping_mul(q) & DIGIT_MASK);
        let carry = low >> DIGIT_BITS;
        let (b_vector, q_vector) = (lanes.splat(b_digit), lanes.splat(q));
        let sum = &mut self.sum;
        for ((s, &av), &mv) in sum.iter_mut().zip(&self.a).zip(&self.modulus) {
            *s = lanes.madd52lo(lanes.madd52lo(*s, av, b_vector), mv, q_vector);
        }
        for j in 0..N {
            let high = if j + 1 < N { sum[j + 1] } else { lanes.zero() };
            sum[j] = lanes.shift_down(high, sum[j]);
        }
        sum[0] = lanes.add_to_lane_0(sum[0], carry);
        for ((s, &av), &mv) in sum.iter_mut().zip(&self.a).zip(&self.modulus) {
            *s = lanes.madd52hi(lanes.madd52hi(*s, av, b_vector), mv, q_vector);
        }
        self.low = lanes.lane_0(sum[0]);
    }

    #[inline(always)]
    fn finish(self, lanes: L) -> Digits<N> {
        let mut out = Digits::ZERO;
        for (digits, &vector) in out.0.iter_mut().zip(&self.sum) {
            *digits = lanes.store(vector);
        }
        // The sum is below 2m < R: the carry out of the top digit is 0.
        let mut carry = 0u64;
        for digit in out.0.as_flattened_mut() {
            let value = digit.wrapping_add(carry);
            *digit = value & DIGIT_MASK;
            carry = value >> DIGIT_BITS;
        }
        out
    }
}

/// The AMM a·b·R⁻¹ on any [`Lanes`].
#[inline(always)]
fn amm_on<L: Lanes, const N: usize>(
    lanes: L,
    modulus: &Digits<N>,
    neg_inverse: u64,
    a: &Digits<N>,
    b: &Digits<N>,
) -> Digits<N> {
    let mut amm = Amm::new(lanes, modulus, neg_inverse, a);
    for &b_digit in b.0.as_flattened() {
        amm.step(lanes, b_digit);
    }
    amm.finish(lanes)
}

/// Two independent AMMs, their steps interleaved: each one's serial chain (a digit's q waits
/// for the previous step) fills the other's latency, as in OpenSSL's dual `amm52x20_x2`.
#[inline(always)]
fn amm_pair_on<L: Lanes, const N: usize>(lanes: L, pair: [AmmInputs<'_, N>; 2]) -> [Digits<N>; 2] {
    let [first, second] = pair;
    let mut first_amm = Amm::new(lanes, first.modulus, first.neg_inverse, first.a);
    let mut second_amm = Amm::new(lanes, second.modulus, second.neg_inverse, second.a);
    for (&x, &y) in first
        .b
        .0
        .as_flattened()
        .iter()
        .zip(second.b.0.as_flattened())
    {
        first_amm.step(lanes, x);
        second_amm.step(lanes, y);
    }
    // Not `map`: its closure is not always inlined, and the kernel must call nothing.
    [first_amm.finish(lanes), second_amm.finish(lanes)]
}

#[inline(always)]
fn select_on<L: Lanes, const N: usize, const T: usize>(
    lanes: L,
    table: &[Digits<N>; T],
    index: u64,
) -> Digits<N> {
    let wanted = lanes.splat(index);
    let mut out = [lanes.zero(); N];
    for (position, entry) in (0u64..).zip(table) {
        for (o, digits) in out.iter_mut().zip(&entry.0) {
            *o = lanes.keep_if_equal(*o, wanted, position, lanes.load(digits));
        }
    }
    let mut digits = Digits::ZERO;
    for (d, &vector) in digits.0.iter_mut().zip(&out) {
        *d = lanes.store(vector);
    }
    digits
}

/// AVX-512 IFMA: exists only on a CPU that has it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Avx512(());

impl Avx512 {
    pub(super) fn new() -> Option<Self> {
        available().then_some(Self(()))
    }
}

impl Kernel for Avx512 {
    fn amm<const N: usize>(
        self,
        modulus: &Digits<N>,
        neg_inverse: u64,
        a: &Digits<N>,
        b: &Digits<N>,
    ) -> Digits<N> {
        #[target_feature(enable = "avx512f,avx512ifma")]
        fn amm_avx512<const N: usize>(
            lanes: Avx512,
            modulus: &Digits<N>,
            neg_inverse: u64,
            a: &Digits<N>,
            b: &Digits<N>,
        ) -> Digits<N> {
            amm_on(lanes, modulus, neg_inverse, a, b)
        }
        // SAFETY: an `Avx512` exists only where the CPU has AVX-512F and IFMA (`Avx512::new`).
        unsafe { amm_avx512(self, modulus, neg_inverse, a, b) }
    }

    fn amm_pair<const N: usize>(self, pair: [AmmInputs<'_, N>; 2]) -> [Digits<N>; 2] {
        #[target_feature(enable = "avx512f,avx512ifma")]
        fn amm_pair_avx512<const N: usize>(
            lanes: Avx512,
            pair: [AmmInputs<'_, N>; 2],
        ) -> [Digits<N>; 2] {
            amm_pair_on(lanes, pair)
        }
        // SAFETY: as in `amm`.
        unsafe { amm_pair_avx512(self, pair) }
    }

    fn select<const N: usize, const T: usize>(
        self,
        table: &[Digits<N>; T],
        index: u64,
    ) -> Digits<N> {
        #[target_feature(enable = "avx512f,avx512ifma")]
        fn select_avx512<const N: usize, const T: usize>(
            lanes: Avx512,
            table: &[Digits<N>; T],
            index: u64,
        ) -> Digits<N> {
            select_on(lanes, table, index)
        }
        // SAFETY: as in `amm`.
        unsafe { select_avx512(self, table, index) }
    }
}

// Each method is inlined into `amm_avx512`/`amm_pair_avx512`/`select_avx512`, which enable the
// features: the
// `unsafe` blocks below only say that the CPU has them, which owning an `Avx512` proves.
impl Lanes for Avx512 {
    type Vector = __m512i;

    #[inline(always)]
    fn zero(self) -> __m512i {
        // SAFETY: an `Avx512` exists only where the CPU has AVX-512F and IFMA.
        unsafe { _mm512_setzero_si512() }
    }

    #[inline(always)]
    fn splat(self, x: u64) -> __m512i {
        // SAFETY: as in `zero`; the cast keeps the bits.
        unsafe { _mm512_set1_epi64(x as i64) }
    }

    #[inline(always)]
    fn load(self, digits: &[u64; 8]) -> __m512i {
        // SAFETY: as in `zero`; `digits` is 8 readable u64, the unaligned load reads those.
        unsafe { _mm512_loadu_epi64(digits.as_ptr().cast()) }
    }

    #[inline(always)]
    fn store(self, vector: __m512i) -> [u64; 8] {
        let mut digits = [0u64; 8];
        // SAFETY: as in `zero`; `digits` is 8 writable u64, the unaligned store writes those.
        unsafe { _mm512_storeu_epi64(digits.as_mut_ptr().cast(), vector) };
        digits
    }

    #[inline(always)]
    fn madd52lo(self, sum: __m512i, a: __m512i, b: __m512i) -> __m512i {
        // SAFETY: as in `zero`.
        unsafe { _mm512_madd52lo_epu64(sum, a, b) }
    }

    #[inline(always)]
    fn madd52hi(self, sum: __m512i, a: __m512i, b: __m512i) -> __m512i {
        // SAFETY: as in `zero`.
        unsafe { _mm512_madd52hi_epu64(sum, a, b) }
    }

    #[inline(always)]
    fn shift_down(self, high: __m512i, low: __m512i) -> __m512i {
        // SAFETY: as in `zero`.
        unsafe { _mm512_alignr_epi64::<1>(high, low) }
    }

    #[inline(always)]
    fn add_to_lane_0(self, vector: __m512i, x: u64) -> __m512i {
        // SAFETY: as in `zero`.
        unsafe { _mm512_add_epi64(vector, _mm512_maskz_set1_epi64(1, x as i64)) }
    }

    #[inline(always)]
    fn lane_0(self, vector: __m512i) -> u64 {
        // SAFETY: as in `zero`.
        unsafe { _mm_cvtsi128_si64(_mm512_castsi512_si128(vector)) as u64 }
    }

    #[inline(always)]
    fn keep_if_equal(self, out: __m512i, index: __m512i, position: u64, entry: __m512i) -> __m512i {
        // SAFETY: as in `zero`.
        unsafe {
            let hit = _mm512_cmpeq_epi64_mask(index, _mm512_set1_epi64(position as i64));
            _mm512_mask_mov_epi64(out, hit, entry)
        }
    }
}

/// The same kernel on plain `u64` lanes, for any CPU: the differential tests run the kernel's
/// algorithm everywhere, and the constant-time gate runs it under valgrind, which cannot run
/// the instructions themselves.
#[cfg(any(test, hecate_ct_gate))]
#[derive(Clone, Copy, Debug)]
pub(super) struct Emulated;

#[cfg(any(test, hecate_ct_gate))]
impl Kernel for Emulated {
    fn amm<const N: usize>(
        self,
        modulus: &Digits<N>,
        neg_inverse: u64,
        a: &Digits<N>,
        b: &Digits<N>,
    ) -> Digits<N> {
        amm_on(self, modulus, neg_inverse, a, b)
    }

    fn amm_pair<const N: usize>(self, pair: [AmmInputs<'_, N>; 2]) -> [Digits<N>; 2] {
        amm_pair_on(self, pair)
    }

    fn select<const N: usize, const T: usize>(
        self,
        table: &[Digits<N>; T],
        index: u64,
    ) -> Digits<N> {
        select_on(self, table, index)
    }
}

#[cfg(any(test, hecate_ct_gate))]
impl Lanes for Emulated {
    type Vector = [u64; 8];

    fn zero(self) -> [u64; 8] {
        [0; 8]
    }

    fn splat(self, x: u64) -> [u64; 8] {
        [x; 8]
    }

    fn load(self, digits: &[u64; 8]) -> [u64; 8] {
        *digits
    }

    fn store(self, vector: [u64; 8]) -> [u64; 8] {
        vector
    }

    fn madd52lo(self, sum: [u64; 8], a: [u64; 8], b: [u64; 8]) -> [u64; 8] {
        core::array::from_fn(|i| {
            let product = u128::from(a[i] & DIGIT_MASK) * u128::from(b[i] & DIGIT_MASK);
            sum[i].wrapping_add(product as u64 & DIGIT_MASK)
        })
    }

    fn madd52hi(self, sum: [u64; 8], a: [u64; 8], b: [u64; 8]) -> [u64; 8] {
        core::array::from_fn(|i| {
            let product = u128::from(a[i] & DIGIT_MASK) * u128::from(b[i] & DIGIT_MASK);
            sum[i].wrapping_add((product >> DIGIT_BITS) as u64 & DIGIT_MASK)
        })
    }

    fn shift_down(self, high: [u64; 8], low: [u64; 8]) -> [u64; 8] {
        core::array::from_fn(|i| if i < 7 { low[i + 1] } else { high[0] })
    }

    fn add_to_lane_0(self, mut vector: [u64; 8], x: u64) -> [u64; 8] {
        vector[0] = vector[0].wrapping_add(x);
        vector
    }

    fn lane_0(self, vector: [u64; 8]) -> u64 {
        vector[0]
    }

    fn keep_if_equal(
        self,
        out: [u64; 8],
        index: [u64; 8],
        position: u64,
        entry: [u64; 8],
    ) -> [u64; 8] {
        // A mask, as the instructions use.
        core::array::from_fn(|i| {
            Choice::from_u64_eq(index[i], position).select_u64(out[i], entry[i])
        })
    }
}
