//! Open Badges 3.0 credentials and their revocation status list, checked the way
//! 1EdTech's validator checks them and through code paths of the test's own: the JSON
//! structure, contexts and types; the RS256 signature verified with the RSA crate and the
//! key fetched from the `kid` URL; the JWT claims equal to their credential fields; the
//! status list fetched, its own signature verified, decoded and the certificate's bit read.

use crate::both_backends;
use crate::certificates::{batch, number, partner_key, pass};
use crate::helpers::{assert_problem, TestApp};
use crate::webhooks::revoke;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Duration;
use reqwest::StatusCode;
use rsa::signature::Verifier;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io::Read;

const VC2: &str = "https://www.w3.org/ns/credentials/v2";
const OB3: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

/// GETs an absolute URL the server published, from this test's server.
async fn follow(app: &TestApp, url: &str) -> reqwest::Response {
    let public = &app.settings.messaging.public_url;
    let path = url
        .strip_prefix(public.as_str())
        .unwrap_or_else(|| panic!("{url} is not under {public}"));
    app.get(path, None).await
}

fn part(jwt: &str, i: usize) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(jwt.split('.').nth(i).expect("three parts"))
        .expect("base64url")
}

/// Verifies an RS256 JWT with the JWK its `kid` URL serves; returns (header, payload).
async fn verify_rs256(app: &TestApp, jwt: &str) -> Option<(Value, Value)> {
    let header: Value = serde_json::from_slice(&part(jwt, 0)).ok()?;
    if header["alg"] != "RS256" || header["typ"] != "JWT" {
        return None;
    }
    let resp = follow(app, header["kid"].as_str()?).await;
    if resp.status() != StatusCode::OK {
        return None;
    }
    let jwk: Value = resp.json().await.ok()?;
    let n = rsa::BigUint::from_bytes_be(&URL_SAFE_NO_PAD.decode(jwk["n"].as_str()?).ok()?);
    let e = rsa::BigUint::from_bytes_be(&URL_SAFE_NO_PAD.decode(jwk["e"].as_str()?).ok()?);
    let key = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(rsa::RsaPublicKey::new(n, e).ok()?);
    let signature = rsa::pkcs1v15::Signature::try_from(part(jwt, 2).as_slice()).ok()?;
    let (signed, _) = jwt.rsplit_once('.')?;
    key.verify(signed.as_bytes(), &signature).ok()?;
    Some((header, serde_json::from_slice(&part(jwt, 1)).ok()?))
}

fn seconds(instant: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(instant.as_str().expect("an instant"))
        .expect("RFC 3339")
        .timestamp()
}

async fn openbadge(app: &TestApp, n: &str) -> String {
    let resp = app
        .get(&format!("/v1/certificates/{n}/openbadge"), None)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    body["credential"].as_str().expect("a VC-JWT").to_string()
}

/// The status list a credential points to, verified, decoded: (bits, its index).
async fn status_bits(app: &TestApp, credential: &Value) -> (Vec<u8>, usize) {
    let status = &credential["credentialStatus"];
    assert_eq!(status["type"], "BitstringStatusListEntry");
    assert_eq!(status["statusPurpose"], "revocation");
    let index: usize = status["statusListIndex"].as_str().unwrap().parse().unwrap();
    let list_url = status["statusListCredential"].as_str().unwrap();
    assert_eq!(status["id"], format!("{list_url}#{index}"));
    let resp = follow(app, list_url).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/vc+jwt");
    let cache = resp.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cache.contains("max-age=300"), "{cache}");
    let jwt = resp.text().await.unwrap();
    let (_, list) = verify_rs256(app, &jwt)
        .await
        .expect("the list's own signature verifies");
    assert_eq!(list["@context"][0], VC2);
    assert_eq!(
        list["type"],
        json!(["VerifiableCredential", "BitstringStatusListCredential"])
    );
    assert_eq!(list["id"], list_url);
    assert_eq!(list["iss"], list["issuer"]);
    let subject = &list["credentialSubject"];
    assert_eq!(subject["type"], "BitstringStatusList");
    assert_eq!(subject["statusPurpose"], "revocation");
    let encoded = subject["encodedList"].as_str().unwrap();
    let zipped = URL_SAFE_NO_PAD
        .decode(encoded.strip_prefix('u').expect("multibase base64url"))
        .expect("base64url");
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(zipped.as_slice())
        .read_to_end(&mut bits)
        .expect("GZIP");
    assert!(bits.len() * 8 >= 131_072, "{} entries", bits.len() * 8);
    assert!(index < bits.len() * 8);
    (bits, index)
}

fn bit(bits: &[u8], i: usize) -> bool {
    bits[i / 8] & (0x80 >> (i % 8)) != 0
}

both_backends! {
    async fn the_open_badge_is_a_conformant_rs256_vc_jwt_with_a_working_status(app: TestApp) {
        app.user_with_role("admin@example.com", invigil::domain::account::Role::Admin).await;
        let t = app.candidate("ada@example.com").await;
        let n = number(&pass(&app, &t, "MLOA-F").await);
        let jwt = openbadge(&app, &n).await;
        let (header, vc) = verify_rs256(&app, &jwt).await.expect("the signature verifies with the kid's key");
        let public = app.settings.messaging.public_url.clone();
        assert!(header["kid"].as_str().unwrap().starts_with(&format!("{public}/v1/issuer/keys/")));
        let jwks: Value = app.get("/.well-known/jwks.json", None).await.json().await.unwrap();
        assert!(jwks["keys"].as_array().unwrap().iter().any(|k| k["kid"] == header["kid"] && k["kty"] == "RSA"));

        assert_eq!(vc["@context"], json!([VC2, OB3]));
        assert_eq!(vc["type"], json!(["VerifiableCredential", "OpenBadgeCredential"]));
        assert_eq!(vc["iss"], vc["issuer"]["id"]);
        assert_eq!(vc["issuer"]["id"], format!("{public}/v1/issuer"));
        assert_eq!(vc["issuer"]["type"], json!(["Profile"]));
        assert_eq!(vc["jti"], vc["id"]);
        assert_eq!(vc["sub"], vc["credentialSubject"]["id"]);
        assert_eq!(vc["nbf"].as_i64().unwrap(), seconds(&vc["validFrom"]));
        assert_eq!(vc["exp"].as_i64().unwrap(), seconds(&vc["validUntil"]));
        assert_eq!(vc["validFrom"], "2026-11-26T00:00:00Z");
        assert_eq!(vc["validUntil"], "2029-11-26T23:59:59Z");
        let subject = &vc["credentialSubject"];
        assert_eq!(subject["type"], json!(["AchievementSubject"]));
        let achievement = &subject["achievement"];
        assert_eq!(achievement["id"], format!("{public}/v1/certifications/MLOA-F"));
        assert_eq!(achievement["type"], json!(["Achievement"]));
        assert_eq!(achievement["achievementType"], "Certification");
        assert_eq!(achievement["name"], "Certified MLOps Architect – Foundation");
        assert!(achievement["description"].as_str().unwrap().len() > 40);
        assert!(achievement["criteria"]["narrative"].as_str().unwrap().contains("70%"));
        let identity = &subject["identifier"][0];
        assert_eq!(identity["type"], "IdentityObject");
        assert_eq!(identity["identityType"], "emailAddress");
        assert_eq!(identity["hashed"], true);
        let salt = identity["salt"].as_str().unwrap();
        let expected = format!("sha256${}", hex::encode(Sha256::digest(format!("ada@example.com{salt}"))));
        assert_eq!(identity["identityHash"], expected);
        assert!(!String::from_utf8(part(&jwt, 1)).unwrap().contains("ada@example.com"), "never the plain address");
        let profile: Value = follow(&app, vc["issuer"]["id"].as_str().unwrap()).await.json().await.unwrap();
        assert_eq!(profile["id"], vc["issuer"]["id"]);
        assert!(profile["name"].as_str().is_some() && profile["email"].as_str().is_some());

        // A changed byte fails the check.
        let payload = String::from_utf8(part(&jwt, 1)).unwrap().replace("2029-11-26T23:59:59Z", "2039-11-26T23:59:59Z");
        let parts: Vec<&str> = jwt.split('.').collect();
        let forged = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(payload), parts[2]);
        assert!(verify_rs256(&app, &forged).await.is_none());

        // The status: clear now; revocation sets this bit and no other.
        let (before, index) = status_bits(&app, &vc).await;
        assert!(!bit(&before, index));
        let eddsa: Value = app.get(&format!("/v1/certificates/{n}/credential"), None).await.json().await.unwrap();
        let eddsa_claims: Value = serde_json::from_slice(&part(eddsa["credential"].as_str().unwrap(), 1)).unwrap();
        assert_eq!(eddsa_claims["credentialStatus"], vc["credentialStatus"], "both credentials point to one entry");
        revoke(&app, &n, "identity fraud").await;
        let (after, same) = status_bits(&app, &vc).await;
        assert_eq!(same, index);
        assert!(bit(&after, index), "the revoked certificate's bit is set");
        let changed: Vec<usize> = (0..before.len() * 8).filter(|i| bit(&before, *i) != bit(&after, *i)).collect();
        assert_eq!(changed, [index], "no other bit moved");
        assert_problem(app.get(&format!("/v1/certificates/{n}/openbadge"), None).await, StatusCode::GONE, "revoked").await;
        let json_form = app.client.get(format!("{}{}", app.address, vc["credentialStatus"]["statusListCredential"].as_str().unwrap().strip_prefix(public.as_str()).unwrap()))
            .header("accept", "application/json").send().await.unwrap();
        let wrapped: Value = json_form.json().await.unwrap();
        assert!(wrapped["credential"].as_str().unwrap().split('.').count() == 3);
        assert_problem(app.get("/v1/status-lists/0196f0a8-0000-7000-8000-000000000000", None).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_problem(app.get("/v1/status-lists/no-such-list", None).await, StatusCode::BAD_REQUEST, "validation_failed").await;
    }

    async fn renewal_issues_a_new_valid_until_and_a_rotation_leaves_earlier_credentials_verifiable(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let n = number(&pass(&app, &t, "MLOA-F").await);
        let first = openbadge(&app, &n).await;
        let other = app.candidate("bob@example.com").await;
        let m = number(&pass(&app, &other, "MLOA-F").await);
        let (_, a) = verify_rs256(&app, &first).await.unwrap();
        let (_, b) = verify_rs256(&app, &openbadge(&app, &m).await).await.unwrap();
        assert_ne!(a["credentialStatus"]["id"], b["credentialStatus"]["id"], "an entry each");

        let now = app.clock.now_utc() + Duration::seconds(1);
        app.state.db.write(move |c| invigil::service::keys::create_rsa_key(c, now)).await.unwrap();
        assert!(verify_rs256(&app, &first).await.is_some(), "signed before the rotation, still verifies");
        app.clock.set(chrono::DateTime::parse_from_rfc3339("2029-05-30T09:00:00Z").unwrap().to_utc());
        let t = app.tokens("ada@example.com").await;
        assert_eq!(number(&pass(&app, &t, "MLOA-F").await), n);
        let renewed = openbadge(&app, &n).await;
        let (header, vc) = verify_rs256(&app, &renewed).await.expect("verifies");
        assert_ne!(header["kid"], serde_json::from_slice::<Value>(&part(&first, 0)).unwrap()["kid"], "the new key signs");
        assert_eq!(vc["validUntil"], "2032-11-26T23:59:59Z");
        assert_eq!(vc["credentialStatus"], a["credentialStatus"], "a renewal keeps its entry");
    }
}

/// A partner's key has a budget per minute that holds across instances.
mod partner_budget {
    use super::*;
    use crate::helpers::Backend;

    async fn check(backend: Backend) {
        let Some(app) =
            TestApp::spawn_with(backend, |s| s.partner_requests_per_minute = 3, |_| {}).await
        else {
            return;
        };
        let key = partner_key(&app).await;
        let other = app.second_instance();
        for target in [&app, &other, &app] {
            assert_eq!(
                batch(target, Some(&key), json!(["MLOAF-7K3Q-9XPR-3"]))
                    .await
                    .status(),
                StatusCode::OK
            );
        }
        let over = batch(&other, Some(&key), json!(["MLOAF-7K3Q-9XPR-3"])).await;
        assert!(over.headers().get("retry-after").is_some());
        assert_problem(over, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
        assert_problem(
            batch(&app, Some(&key), json!([])).await,
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
        )
        .await;
        app.clock.advance(Duration::seconds(60));
        let again: Value = batch(&app, Some(&key), json!(["MLOAF-7K3Q-9XPR-3"]))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            again["results"][0]["number"], "MLOAF-7K3Q-9XPR-3",
            "a new minute, a new budget"
        );
    }

    #[actix_web::test]
    async fn sqlite() {
        check(Backend::Sqlite).await;
    }

    #[actix_web::test]
    async fn postgres() {
        check(Backend::Postgres).await;
    }
}
