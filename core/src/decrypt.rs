//! Decryption through the CRT, in constant time.

use crypto_bigint::{One, WrappingAdd, WrappingMul, WrappingSub};
use zeroize::Zeroizing;

use crate::keys::PrimeFactor;
use crate::modexp::{PowBy, ReduceWide, Residues, Wide};
use crate::{Ciphertext, KeySize, Plaintext, PrivateKey, Result};

impl<S: KeySize> PrivateKey<S> {
    /// Decrypts `c`; refuses a ciphertext of another key.
    pub fn decrypt(&self, c: &Ciphertext<S>) -> Result<Plaintext<S>> {
        self.public.check(c)?;
        // x_p gives away p through gcd(x_p − 1, n): every temporary is wiped when dropped.
        let (p, q) = (&self.p, &self.q);
        let reduced_p = Zeroizing::new(p.mod_p_squared.reduce_wide(c.value()));
        let reduced_q = Zeroizing::new(q.mod_p_squared.reduce_wide(c.value()));
        let (x_p, x_q) = p.mod_p_squared.pow_pair(
            &q.mod_p_squared,
            (&reduced_p, &p.p_minus_one),
            (&reduced_q, &q.p_minus_one),
        );
        let (x_p, x_q) = (Zeroizing::new(x_p), Zeroizing::new(x_q));
        let m_p = Zeroizing::new(p.plaintext_half(&x_p));
        let m_q = Zeroizing::new(q.plaintext_half(&x_q));
        Ok(Plaintext::new_unchecked(
            self.recombine(&m_p, &m_q),
            Some(self.public.fingerprint),
        ))
    }

    /// The x mod n with x ≡ `x_p` (mod p) and x ≡ `x_q` (mod q), in constant time:
    /// x = x_q + q · ((x_p − x_q) · q⁻¹ mod p), which is below q + q(p − 1) = n.
    pub(crate) fn recombine(&self, x_p: &S::P, x_q: &S::P) -> S::N {
        let mod_p = &self.p.mod_p;
        let d = Zeroizing::new(mod_p.mul(&mod_p.sub(x_p, x_q), &self.q_inverse_mod_p));
        S::N::widen(x_q).wrapping_add(&S::N::product(&self.q.prime, &d))
    }
}

impl<S: KeySize> PrimeFactor<S> {
    /// m mod p = L_p(x) · h_p mod p, with x = c^(p−1) mod p² and L_p(x) = (x − 1)/p.
    fn plaintext_half(&self, x: &S::PSquared) -> S::P {
        // x ≡ 1 (mod p), so x − 1 = p·k exactly with k < p: k is the low half of x − 1 times
        // p⁻¹ mod 2^|p| (division by multiplication, as GMP's divexact does; no secret divisor).
        let k = Zeroizing::new(
            x.wrapping_sub(&S::PSquared::one())
                .low_half()
                .wrapping_mul(&self.p_inverse_mod_2k),
        );
        self.mod_p.mul(&k, &self.h)
    }
}
