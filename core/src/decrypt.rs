//! Decryption through the CRT, in constant time.

use crypto_bigint::{One, WrappingAdd, WrappingMul, WrappingSub};
use zeroize::Zeroizing;

use crate::keys::PrimeFactor;
use crate::modexp::{PowBy, ReduceWide, Residues, Wide};
use crate::parallel::join;
use crate::{Ciphertext, KeySize, Plaintext, PrivateKey, Result};

impl<S: KeySize> PrivateKey<S> {
    /// Decrypts `c`; refuses a ciphertext of another key.
    pub fn decrypt(&self, c: &Ciphertext<S>) -> Result<Plaintext<S>> {
        self.public.check(c)?;
        let (m_p, m_q) = join(
            || Zeroizing::new(self.p.decrypt(c.value())),
            || Zeroizing::new(self.q.decrypt(c.value())),
        );
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
    /// m mod p = L_p(c^(p−1) mod p²) · h_p mod p, with L_p(x) = (x − 1)/p.
    fn decrypt(&self, c: &S::NSquared) -> S::P {
        // x gives away p through gcd(x − 1, n): every temporary is wiped when dropped.
        let reduced = Zeroizing::new(self.mod_p_squared.reduce_wide(c));
        let x = Zeroizing::new(self.mod_p_squared.pow(&reduced, &self.p_minus_one));
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
