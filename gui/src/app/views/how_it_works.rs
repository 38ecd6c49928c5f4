//! "How it works" for a first-time user, one per view: what is secret, what travels, what the
//! other side sees (the README's threat model, in a few lines). A toggle button opens it in a
//! window of its own, so that opening it moves nothing in the view.

use eframe::egui;

/// A titled paragraph.
type Section = (&'static str, &'static str);

const WALKTHROUGH: [Section; 5] = [
    (
        "Secret",
        "The customer's private key, their four values and the predicted salary never leave the \
         customer's side. The company's weights and intercept never leave the company's.",
    ),
    (
        "Travels to the company",
        "The query: the customer's public key, a proof that the key is well formed, and each \
         value encrypted under that key (Paillier), encoded as the company's published card \
         says, so that nothing in the query's size or shape depends on the values.",
    ),
    (
        "At the company",
        "It checks the key's proof, multiplies the ciphertexts by its weights and adds its \
         intercept without decrypting anything, then adds a fresh random mask and re-randomizes \
         the result.",
    ),
    (
        "Travels back",
        "The answer: one ciphertext, which only the customer's key opens. The customer removes \
         the mask and reads the salary.",
    ),
    (
        "What each side learns",
        "The company: that this key asked, and when; nothing of the values, nor of the \
         prediction. The customer: one prediction, not the weights. Nobody can check that the \
         company computed the model it claims.",
    ),
];

const CUSTOMER: [Section; 4] = [
    (
        "Secret",
        "Your private key (save it under a passphrase), the values you type and the prediction: \
         none of them leaves this computer in the clear.",
    ),
    (
        "Travels",
        "To the company: your public key with a proof that it is well formed, and each value \
         encrypted under that key at the exponent the company's card sets. Back: one ciphertext, \
         the answer, refused here if it is for another key; you decrypt it and remove its mask.",
    ),
    (
        "What the company sees",
        "Your key's fingerprint and size, when you asked, and ciphertexts whose sizes and \
         exponents the card fixes: nothing of your values, nor of the prediction.",
    ),
    (
        "What you see",
        "One number, the prediction, not the model's weights. You cannot check that the company \
         used the model it claims.",
    ),
];

const COMPANY: [Section; 4] = [
    (
        "Secret",
        "The model: its weights and intercept (save it under a passphrase). What you publish is \
         its card: the features' names, order, ranges and encodings, the bound of the answer's \
         mask and the key sizes you accept; no weight.",
    ),
    (
        "Travels",
        "In: queries, each a customer's public key with its proof and one ciphertext per feature. \
         Out: one ciphertext per query, the prediction plus a fresh random multiple of the card's \
         bound, re-randomized: only that customer's key opens it.",
    ),
    (
        "What you see",
        "The customer's key, its proof and ciphertexts: never a value, nor the prediction.",
    ),
    (
        "What the customer sees",
        "One prediction per answer, not the weights: the key's proof stops a key crafted to read \
         more, and the mask leaves no more than a prediction's worth of bits. A few crafted \
         queries can still piece the model together, as enough honest ones would: limit how often \
         each key and address asks (hecate serve does).",
    ),
];

/// The walkthrough's "How it works": both sides.
pub fn walkthrough(ui: &mut egui::Ui) {
    show(ui, "How it works: the walkthrough", &WALKTHROUGH);
}

/// The Customer view's "How it works".
pub fn customer(ui: &mut egui::Ui) {
    show(ui, "How it works: the customer's side", &CUSTOMER);
}

/// The Company view's "How it works".
pub fn company(ui: &mut egui::Ui) {
    show(ui, "How it works: the company's side", &COMPANY);
}

/// The toggle button and, while it is on, the window titled `title`.
fn show(ui: &mut egui::Ui, title: &str, sections: &[Section]) {
    // In egui's memory rather than the app's state: it is only how the view looks.
    let id = egui::Id::unique(title);
    let mut open = ui.data(|data| data.get_temp::<bool>(id).unwrap_or_default());
    let button = ui
        .toggle_value(&mut open, "How it works")
        .on_hover_text("What is secret, what travels, what the other side sees");
    egui::Window::new(title)
        .id(id.with("window"))
        // Below the button, so that the window never covers it: it closes the window too.
        .pivot(egui::Align2::RIGHT_TOP)
        .default_pos(button.rect.right_bottom() + egui::vec2(0.0, 4.0))
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .default_width(460.0)
        .show(ui.ctx(), |ui| {
            for (heading, text) in sections {
                ui.strong(*heading);
                ui.label(*text);
                ui.add_space(4.0);
            }
        });
    ui.data_mut(|data| data.insert_temp(id, open));
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, reason = "tests panic to fail")]

    use eframe::egui;
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    /// Closed at first; the button opens the window, which names what travels and what the
    /// other side sees; the button again closes it.
    fn opens_and_says(view: fn(&mut egui::Ui), title: &str, sees: &str) {
        let mut harness = Harness::new_ui(view);
        harness.run();
        assert!(harness.query_by_label(title).is_none(), "closed at first");
        harness.get_by_label("How it works").click();
        harness.run();
        harness.get_by_label(title);
        harness.get_by_label("Travels");
        harness.get_by_label_contains("public key with");
        harness.get_by_label(sees);
        harness.get_by_label("How it works").click();
        harness.run();
        assert!(harness.query_by_label(title).is_none(), "closed again");
    }

    #[test]
    fn the_customers_panel_opens_and_names_what_travels() {
        opens_and_says(
            super::customer,
            "How it works: the customer's side",
            "What the company sees",
        );
    }

    #[test]
    fn the_companys_panel_opens_and_names_what_travels() {
        opens_and_says(
            super::company,
            "How it works: the company's side",
            "What the customer sees",
        );
    }
}
