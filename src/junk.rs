//! Pages that are not stories: a scraped "article" whose text is (almost) all a site's
//! furniture — a cookie consent wall, a paywall, a bot check, a "page not found", an
//! author's bio box. Two of them are not one story however alike their texts are, and a user
//! cleaning a dump wants them named, so such a document is flagged (`"junk": "consent_wall"`
//! in its row), left out of clustering like an empty text, and counted in the summary.
//!
//! A page is told by what such pages say, in the major languages of news (English, German,
//! French, Spanish, Turkish, Italian, Portuguese, Dutch): phrases a site addresses to its
//! reader ("we use cookies", "alle akzeptieren", "êtes-vous un robot", "çerez politikası").
//! One phrase does not make a page furniture — an article on cookie law quotes them — so a
//! paragraph counts as furniture only when such phrases are dense in it (one per
//! [`WORDS_PER_PHRASE`] words or fewer), and a page is junk only when furniture paragraphs
//! make up at least [`FURNITURE_SHARE`] of its text. What a corpus repeats on every page of
//! a site (menus, footers, a consent banner under every article) is learned apart, by
//! [`crate::boilerplate`]; this module names the pages that are nothing else.

use std::collections::HashMap;
use std::sync::OnceLock;

/// What kind of furniture a junk page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Junk {
    /// A cookie or privacy consent wall.
    ConsentWall,
    /// A paywall or a sign-in wall.
    Paywall,
    /// A bot check, CAPTCHA or access-denied page.
    BotCheck,
    /// A "page not found" page.
    NotFound,
    /// An author's bio box or author page.
    AuthorBio,
}

impl Junk {
    /// Every kind, in the order ties are broken.
    pub const ALL: [Junk; 5] = [
        Junk::ConsentWall,
        Junk::Paywall,
        Junk::BotCheck,
        Junk::NotFound,
        Junk::AuthorBio,
    ];

    /// The name rows and summaries give it.
    pub fn name(self) -> &'static str {
        match self {
            Junk::ConsentWall => "consent_wall",
            Junk::Paywall => "paywall",
            Junk::BotCheck => "bot_check",
            Junk::NotFound => "not_found",
            Junk::AuthorBio => "author_bio",
        }
    }

    /// The kind of a name given by [`Junk::name`].
    pub fn from_name(name: &str) -> Option<Junk> {
        Junk::ALL.into_iter().find(|j| j.name() == name)
    }
}

impl std::fmt::Display for Junk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Texts longer than this are never junk: furniture pages are short, and scanning only
/// short texts keeps the check off the cost of long articles.
pub const MAX_BYTES: usize = 12_000;

/// A paragraph is furniture when it has a furniture phrase for every this many words (or
/// fewer): consent and paywall notices are dense with them, an article quoting one is not.
pub const WORDS_PER_PHRASE: usize = 40;

/// The share of a page's text (in bytes, of paragraphs that are not neutral) that must be
/// in furniture paragraphs for it to be junk.
pub const FURNITURE_SHARE: f64 = 0.8;

/// Paragraphs of at most this many words without a phrase (button labels, a site's name, a
/// date line) count for neither side.
const NEUTRAL_WORDS: usize = 3;

/// Phrases, matched word by word with case folded (see [`for_each_word`]).
const CONSENT: &[&str] = &[
    // English
    "we use cookies",
    "this site uses cookies",
    "this website uses cookies",
    "uses cookies and similar technologies",
    "accept all cookies",
    "accept all",
    "reject all",
    "accept cookies",
    "cookie settings",
    "cookie preferences",
    "cookie policy",
    "manage preferences",
    "manage cookies",
    "manage my choices",
    "we value your privacy",
    "we and our partners",
    "store and/or access information on a device",
    "personalised ads and content",
    "personalized ads and content",
    "ad and content measurement",
    "legitimate interest",
    "by clicking accept",
    "consent to our use of cookies",
    "your privacy choices",
    "privacy settings",
    // German
    "wir verwenden cookies",
    "wir nutzen cookies",
    "diese website verwendet cookies",
    "diese webseite verwendet cookies",
    "alle akzeptieren",
    "alle ablehnen",
    "akzeptieren und weiter",
    "zustimmen und weiter",
    "cookie-einstellungen",
    "cookie-richtlinie",
    "einstellungen verwalten",
    "ihre einwilligung",
    "datenschutzeinstellungen",
    "wir und unsere partner",
    "informationen auf einem gerät speichern",
    "personalisierte anzeigen",
    "berechtigtes interesse",
    // French
    "nous utilisons des cookies",
    "ce site utilise des cookies",
    "tout accepter",
    "tout refuser",
    "accepter et fermer",
    "continuer sans accepter",
    "paramétrer les cookies",
    "paramètres des cookies",
    "gérer mes choix",
    "gérer les cookies",
    "votre consentement",
    "nous et nos partenaires",
    "stocker et/ou accéder à des informations",
    "publicités et contenu personnalisés",
    "intérêt légitime",
    "politique de cookies",
    "politique relative aux cookies",
    // Spanish
    "utilizamos cookies",
    "usamos cookies",
    "este sitio web utiliza cookies",
    "este sitio utiliza cookies",
    "aceptar todas",
    "aceptar todo",
    "rechazar todas",
    "rechazar todo",
    "configuración de cookies",
    "configurar cookies",
    "política de cookies",
    "su consentimiento",
    "tu consentimiento",
    "nosotros y nuestros socios",
    "almacenar o acceder a información",
    "anuncios y contenido personalizados",
    "interés legítimo",
    // Turkish
    "çerez kullanıyoruz",
    "çerezler kullanıyoruz",
    "çerezler kullanılmaktadır",
    "çerez kullanılmaktadır",
    "çerezleri kabul",
    "tümünü kabul et",
    "tümünü reddet",
    "çerez politikası",
    "çerez ayarları",
    "çerez tercihleri",
    "kişisel verilerin korunması",
    "aydınlatma metni",
    "açık rıza",
    "kabul et ve kapat",
    // Italian, Portuguese, Dutch
    "utilizziamo i cookie",
    "questo sito utilizza cookie",
    "accetta tutti",
    "rifiuta tutti",
    "utilizamos cookies",
    "aceitar todos",
    "rejeitar todos",
    "wij gebruiken cookies",
    "alles accepteren",
    "alles weigeren",
];

const PAYWALL: &[&str] = &[
    // English
    "subscribe to continue reading",
    "subscribe to read",
    "subscribe now",
    "already a subscriber",
    "already have an account",
    "sign in to continue reading",
    "log in to continue reading",
    "this article is for subscribers",
    "this content is for subscribers",
    "subscribers only",
    "exclusive to subscribers",
    "start your free trial",
    "unlimited access",
    "unlock this article",
    "to continue reading",
    "you have reached your limit",
    "free articles remaining",
    "cancel anytime",
    // German
    "jetzt abonnieren",
    "bereits abonnent",
    "schon abonnent",
    "jetzt weiterlesen",
    "weiterlesen mit",
    "nur für abonnenten",
    "exklusiv für abonnenten",
    "zugang zu allen artikeln",
    "jetzt testen",
    "jederzeit kündbar",
    "abo abschließen",
    // French
    "réservé aux abonnés",
    "déjà abonné",
    "abonnez-vous",
    "je m'abonne",
    "cet article est réservé",
    "pour lire la suite",
    "lire la suite de cet article",
    "accès illimité",
    "sans engagement",
    "résiliable à tout moment",
    // Spanish
    "suscríbete",
    "suscríbase",
    "ya soy suscriptor",
    "ya eres suscriptor",
    "exclusivo para suscriptores",
    "para seguir leyendo",
    "para continuar leyendo",
    "acceso ilimitado",
    "inicia sesión para",
    "cancela cuando quieras",
    // Turkish
    "abone olun",
    "abone ol",
    "zaten abone misiniz",
    "okumaya devam etmek için",
    "abonelere özel",
    "sınırsız erişim",
    "giriş yapın",
    // Italian, Portuguese, Dutch
    "abbonati",
    "sei già abbonato",
    "assine já",
    "já é assinante",
    "word abonnee",
];

const BOT_CHECK: &[&str] = &[
    // English
    "are you a robot",
    "are you a human",
    "verify you are human",
    "verifying you are human",
    "verify that you are human",
    "not a robot",
    "checking your browser",
    "just a moment",
    "this process is automatic",
    "your browser will redirect",
    "performance & security by",
    "checking if the site connection is secure",
    "needs to review the security of your connection",
    "complete the security check",
    "security check",
    "captcha",
    "unusual traffic",
    "enable javascript and cookies to continue",
    "please enable javascript",
    "ray id",
    "press and hold",
    "access denied",
    // German
    "bist du ein mensch",
    "sind sie ein mensch",
    "sind sie ein roboter",
    "dass sie ein mensch sind",
    "kein roboter",
    "sicherheitsüberprüfung",
    "ihr browser wird überprüft",
    "javascript aktivieren",
    "zugriff verweigert",
    // French
    "êtes-vous un robot",
    "êtes-vous un humain",
    "que vous êtes humain",
    "que vous êtes un humain",
    "vérification de sécurité",
    "vérification de votre navigateur",
    "pas un robot",
    "activer javascript",
    "accès refusé",
    // Spanish
    "eres un robot",
    "eres humano",
    "que eres humano",
    "que es humano",
    "no soy un robot",
    "verificación de seguridad",
    "comprobando su navegador",
    "comprobando tu navegador",
    "habilite javascript",
    "acceso denegado",
    // Turkish
    "robot değilim",
    "robot olmadığınızı",
    "insan olduğunuzu",
    "güvenlik kontrolü",
    "güvenlik doğrulaması",
    "tarayıcınız kontrol ediliyor",
    "javascript etkinleştirin",
    "erişim engellendi",
    // Italian, Portuguese, Dutch
    "non sono un robot",
    "não sou um robô",
    "ik ben geen robot",
];

const NOT_FOUND: &[&str] = &[
    "page not found",
    "the page you are looking for",
    "the page you requested",
    "this page does not exist",
    "error 404",
    "404 error",
    "seite nicht gefunden",
    "die seite existiert nicht",
    "die angeforderte seite",
    "page introuvable",
    "page non trouvée",
    "cette page n'existe pas",
    "la page que vous recherchez",
    "página no encontrada",
    "la página que buscas",
    "la página que busca",
    "sayfa bulunamadı",
    "aradığınız sayfa",
    "pagina non trovata",
    "página não encontrada",
    "pagina niet gevonden",
];

const AUTHOR_BIO: &[&str] = &[
    "about the author",
    "is a staff writer",
    "is a senior reporter",
    "is a reporter for",
    "is a reporter at",
    "is a correspondent for",
    "follow her on",
    "follow him on",
    "more articles by",
    "more stories by",
    "contact the author",
    "über den autor",
    "über die autorin",
    "weitere artikel von",
    "à propos de l'auteur",
    "plus d'articles de",
    "sobre el autor",
    "sobre la autora",
    "más artículos de",
    "yazar hakkında",
    "yazarın diğer yazıları",
    "yazarın tüm yazıları",
];

/// A phrase: the hashes of its words, and the kind of page it names.
struct Phrase {
    words: Vec<u64>,
    kind: Junk,
}

/// The phrases, found word by word. Each has a key, the hash of its longest pair of adjacent
/// words (or of its one word), kept in a small open-addressing table: a text's words and
/// pairs are looked up there, and only a key found is checked against its phrases. (An
/// Aho-Corasick automaton over the same phrases, with case folded, has thousands of states;
/// run over every text between the shingling of one and the next, it missed the cache on
/// nearly every byte, a tenth of a whole run's time.)
struct Matcher {
    phrases: Vec<Phrase>,
    /// Keys (`| 1`; 0 is a free slot).
    keys: Vec<u64>,
    /// Per key, its phrases and the place in each of the key's last word.
    by_key: HashMap<u64, Vec<(u32, u32)>>,
}

/// Slots of [`Matcher::keys`]: a power of two, several times the phrases (16 KB).
const KEY_SLOTS: usize = 2048;

impl Matcher {
    fn build() -> Matcher {
        let lists = [
            (Junk::ConsentWall, CONSENT),
            (Junk::Paywall, PAYWALL),
            (Junk::BotCheck, BOT_CHECK),
            (Junk::NotFound, NOT_FOUND),
            (Junk::AuthorBio, AUTHOR_BIO),
        ];
        let mut m = Matcher {
            phrases: Vec::new(),
            keys: vec![0; KEY_SLOTS],
            by_key: HashMap::new(),
        };
        for (kind, list) in lists {
            for p in list {
                let mut words = Vec::new();
                for_each_word(p, |h| words.push(h));
                if words.is_empty() || m.phrases.iter().any(|q| q.words == words) {
                    continue;
                }
                let lens: Vec<usize> = p
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(|w| w.chars().count())
                    .collect();
                // The key's last word.
                let last = (1..words.len())
                    .max_by_key(|&i| (lens[i - 1] + lens[i], std::cmp::Reverse(i)))
                    .unwrap_or(0);
                let key = if words.len() == 1 {
                    words[0]
                } else {
                    pair(words[last - 1], words[last])
                };
                m.add_key(key);
                let at = (m.phrases.len() as u32, last as u32);
                m.by_key.entry(key | 1).or_default().push(at);
                m.phrases.push(Phrase { words, kind });
            }
        }
        assert!(m.by_key.len() * 2 < KEY_SLOTS, "room for the keys");
        m
    }

    fn slot(h: u64) -> usize {
        (h >> 32) as usize % KEY_SLOTS
    }

    fn add_key(&mut self, h: u64) {
        let (h, mut slot) = (h | 1, Matcher::slot(h | 1));
        while self.keys[slot] != 0 && self.keys[slot] != h {
            slot = (slot + 1) % KEY_SLOTS;
        }
        self.keys[slot] = h;
    }

    fn has_key(&self, h: u64) -> bool {
        let (h, mut slot) = (h | 1, Matcher::slot(h | 1));
        loop {
            match self.keys[slot] {
                0 => return false,
                k if k == h => return true,
                _ => slot = (slot + 1) % KEY_SLOTS,
            }
        }
    }

    /// False when no phrase can be in `text`: no key is a word or a pair of its words.
    fn may_have(&self, text: &str) -> bool {
        let (mut previous, mut found) = (None, false);
        for_each_word(text, |h| {
            found |= self.has_key(h) || previous.is_some_and(|p| self.has_key(pair(p, h)));
            previous = Some(h);
        });
        found
    }

    /// The phrases among `words` (hashes of a paragraph's words), leftmost first and the
    /// longest of those starting at one word, not overlapping: each one's kind.
    fn phrases_in(&self, words: &[u64], out: &mut Vec<Junk>) {
        let mut found: Vec<(usize, usize, Junk)> = Vec::new();
        for j in 0..words.len() {
            let single = words[j];
            let double = (j > 0).then(|| pair(words[j - 1], words[j]));
            for key in std::iter::once(single).chain(double) {
                if !self.has_key(key) {
                    continue;
                }
                for &(p, last) in self.by_key.get(&(key | 1)).into_iter().flatten() {
                    let phrase = &self.phrases[p as usize];
                    let Some(start) = j.checked_sub(last as usize) else {
                        continue;
                    };
                    let end = start + phrase.words.len();
                    if end <= words.len() && words[start..end] == phrase.words[..] {
                        found.push((start, end, phrase.kind));
                    }
                }
            }
        }
        found.sort_by_key(|&(start, end, kind)| (start, std::cmp::Reverse(end), kind));
        let mut until = 0;
        for (start, end, kind) in found {
            if start >= until {
                out.push(kind);
                until = end;
            }
        }
    }
}

fn matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(Matcher::build)
}

fn pair(a: u64, b: u64) -> u64 {
    (a.rotate_left(17) ^ b).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 7
}

/// Calls `f` with a hash of every word of `text`, in order. Words are runs of alphanumeric
/// characters, case folded (ASCII by table, others by `to_lowercase`, with Turkish dotless
/// `ı` as `i` so that `KULLANIYORUZ` is `kullanıyoruz`, and `ß` as `ss`); punctuation, apostrophes and
/// hyphens part words (`m'abonne`, `m’abonne` and `m abonne` are alike).
fn for_each_word(text: &str, mut f: impl FnMut(u64)) {
    const SEED: u64 = 0xcbf2_9ce4_8422_2325;
    let mix = |h: u64, c: u32| (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3);
    let bytes = text.as_bytes();
    let (mut h, mut i) = (SEED, 0);
    while i < bytes.len() {
        let b = bytes[i];
        let word_char = if b < 0x80 {
            i += 1;
            if b.is_ascii_alphanumeric() {
                h = mix(h, u32::from(b.to_ascii_lowercase()));
                true
            } else {
                false
            }
        } else {
            let c = text[i..].chars().next().expect("a character starts here");
            i += c.len_utf8();
            if c.is_alphanumeric() {
                for l in c.to_lowercase().filter(|l| l.is_alphanumeric()) {
                    match l {
                        'ı' => h = mix(h, 'i' as u32),
                        'ß' => h = mix(mix(h, 's' as u32), 's' as u32),
                        _ => h = mix(h, l as u32),
                    }
                }
                true
            } else {
                false
            }
        };
        if !word_char && h != SEED {
            f(h);
            h = SEED;
        }
    }
    if h != SEED {
        f(h);
    }
}

/// The share of a text, and the least number of bytes, scanned for a first phrase (see
/// [`classify`]).
const PREFIX_SHARE: f64 = 0.06;
const PREFIX_BYTES: usize = 120;

/// Where the scanned prefix of `text` ends, on a character boundary.
fn prefix_end(text: &str) -> usize {
    let mut end = ((text.len() as f64 * PREFIX_SHARE) as usize)
        .max(PREFIX_BYTES)
        .min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    end
}

/// The kind of junk page `text` is, or `None` for a page with a story (most pages).
///
/// ```
/// use wiretrace::junk::{classify, Junk};
/// let wall = "We use cookies to give you the best experience. Accept all or manage preferences.";
/// assert_eq!(classify(wall), Some(Junk::ConsentWall));
/// assert_eq!(classify("The council met on Tuesday and voted on the budget."), None);
/// ```
pub fn classify(text: &str) -> Option<Junk> {
    if text.len() > MAX_BYTES {
        return None;
    }
    let m = matcher();
    // Nearly every text has no phrase at all, and a furniture page says what it is from its
    // start (a consent wall opens with its notice, a bot check with its question): a text
    // with no phrase in its first part (PREFIX_SHARE of it, at least PREFIX_BYTES) is a
    // story.
    if !m.may_have(&text[..prefix_end(text)]) {
        return None;
    }
    // Paragraph by paragraph, in bytes of text; a page stops being a candidate as soon as
    // the paragraphs that are not furniture are too much of it for any ending (most
    // candidates are stories under a glued-on banner, given up at their first paragraph).
    let (mut furniture, mut other) = (0usize, 0usize);
    let mut votes = [0usize; Junk::ALL.len()];
    let (mut words, mut kinds) = (Vec::new(), Vec::new());
    for line in text.split('\n') {
        words.clear();
        for_each_word(line, |h| words.push(h));
        if words.is_empty() {
            continue;
        }
        kinds.clear();
        m.phrases_in(&words, &mut kinds);
        if kinds.is_empty() && words.len() <= NEUTRAL_WORDS {
            continue;
        }
        if !kinds.is_empty() && words.len() <= WORDS_PER_PHRASE * kinds.len() {
            furniture += line.len();
            for &k in &kinds {
                votes[k as usize] += 1;
            }
        } else {
            other += line.len();
            // Furniture is at most the rest of the text.
            let most = (text.len() - other) as f64;
            if other as f64 > (1.0 - FURNITURE_SHARE) / FURNITURE_SHARE * most {
                return None;
            }
        }
    }
    if furniture == 0 || (furniture as f64) < FURNITURE_SHARE * (furniture + other) as f64 {
        return None;
    }
    // The kind most phrases name; ties go to the earlier kind.
    let best = (0..votes.len())
        .max_by_key(|&k| (votes[k], std::cmp::Reverse(k)))
        .expect("kinds");
    Some(Junk::ALL[best])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_of_each_kind_in_each_language_are_named() {
        let cases = [
            ("We use cookies to improve your experience on our site and to show you personalised ads and content.\nAccept all\nReject all\nManage preferences", Junk::ConsentWall),
            ("Wir verwenden Cookies und ähnliche Technologien. Wenn Sie auf „Alle akzeptieren“ klicken, erteilen Sie Ihre Einwilligung.\nAlle akzeptieren\nEinstellungen verwalten", Junk::ConsentWall),
            ("Nous utilisons des cookies pour améliorer votre expérience. Vous pouvez donner votre consentement ou gérer mes choix.\nTout accepter\nContinuer sans accepter", Junk::ConsentWall),
            ("Utilizamos cookies propias y de terceros. Puede aceptar todas o configurar cookies en cualquier momento.\nAceptar todas\nRechazar todas", Junk::ConsentWall),
            ("Sitemizde size daha iyi hizmet verebilmek için çerez kullanıyoruz. Ayrıntılar için Çerez Politikası ve Aydınlatma Metni'ni inceleyin.\nTümünü kabul et", Junk::ConsentWall),
            ("This article is for subscribers only. Subscribe now for unlimited access.\nAlready a subscriber? Sign in", Junk::Paywall),
            ("Dieser Artikel ist nur für Abonnenten verfügbar. Jetzt abonnieren und weiterlesen – jederzeit kündbar.\nBereits Abonnent? Anmelden", Junk::Paywall),
            ("Cet article est réservé aux abonnés. Abonnez-vous pour lire la suite.\nDéjà abonné ? Se connecter", Junk::Paywall),
            ("Contenido exclusivo para suscriptores. Suscríbete para seguir leyendo.\nYa soy suscriptor", Junk::Paywall),
            ("Bu içerik abonelere özel. Okumaya devam etmek için abone olun.\nZaten abone misiniz? Giriş yapın", Junk::Paywall),
            ("Checking your browser before accessing the site. This process is automatic.\nRay ID: 7a1b2c3d4e5f", Junk::BotCheck),
            ("Bitte bestätigen Sie, dass Sie ein Mensch sind. Sicherheitsüberprüfung läuft.", Junk::BotCheck),
            ("Êtes-vous un robot ? Vérification de sécurité en cours.", Junk::BotCheck),
            ("Verificación de seguridad. Confirme que no soy un robot para continuar.", Junk::BotCheck),
            ("Güvenlik kontrolü: lütfen robot olmadığınızı doğrulayın.", Junk::BotCheck),
            ("Page not found. The page you are looking for may have been moved.", Junk::NotFound),
        ];
        for (text, kind) in cases {
            assert_eq!(classify(text), Some(kind), "{text}");
        }
    }

    #[test]
    fn articles_that_quote_furniture_are_stories() {
        let article = "Regulators in Brussels said on Tuesday that sites which tell readers \"we use cookies\" must offer a button to reject all tracking as prominently as one to accept.\n\
            The ruling follows complaints from consumer groups in six countries, who said banners were designed to push readers towards consent.\n\
            Publishers have until March to change their pages, the commission said, and fines of up to four percent of turnover are possible.";
        assert_eq!(classify(article), None);
        assert_eq!(classify(""), None);
        assert_eq!(classify("Accept all"), Some(Junk::ConsentWall));
        // A story with a consent banner glued under it is a story (the banner is boilerplate).
        let glued = format!("{article}\nWe use cookies. Accept all. Reject all.");
        assert_eq!(classify(&glued), None);
    }

    #[test]
    fn phrases_match_only_whole_words() {
        assert_eq!(classify("The array identifier was wrong."), None);
        assert_eq!(classify("Ray ID: 123"), Some(Junk::BotCheck));
    }

    #[test]
    fn every_phrase_is_found_in_any_case_and_punctuation() {
        let m = matcher();
        let lists = [CONSENT, PAYWALL, BOT_CHECK, NOT_FOUND, AUTHOR_BIO];
        for p in lists.iter().flat_map(|l| l.iter()) {
            let typographic = p.replace('\'', "\u{2019}");
            for text in [
                p.to_string(),
                format!("«{p}»"),
                p.to_uppercase(),
                typographic,
            ] {
                assert!(m.may_have(&text), "{text:?}");
                let (mut words, mut kinds) = (Vec::new(), Vec::new());
                for_each_word(&format!("x. {text} y"), |h| words.push(h));
                m.phrases_in(&words, &mut kinds);
                assert_eq!(kinds.len(), 1, "{text:?}");
            }
        }
        assert!(!m.may_have("The council met on Tuesday and voted on the budget."));
        // The longest phrase starting at a word is the one counted.
        let (mut words, mut kinds) = (Vec::new(), Vec::new());
        for_each_word("Accept all cookies", |h| words.push(h));
        m.phrases_in(&words, &mut kinds);
        assert_eq!(kinds, [Junk::ConsentWall]);
    }

    #[test]
    fn names_round_trip() {
        for j in Junk::ALL {
            assert_eq!(Junk::from_name(j.name()), Some(j));
        }
    }
}
