//! Certificates: issuance, dates, renewal, verification by partners, signed credentials.

use crate::both_backends;
use crate::helpers::{assert_problem, NowUtc, TestApp, Tokens};
use base64::Engine;
use chrono::Duration;
use invigil::domain::account::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Takes an exam and answers every question right.
pub(crate) async fn pass(app: &TestApp, t: &Tokens, code: &str) -> Value {
    let attempt = app.start_attempt(&t.access, code).await;
    let aid = attempt["id"].as_str().unwrap().to_string();
    app.answer(
        &t.access,
        &aid,
        attempt["questions"].as_array().unwrap().len(),
    )
    .await;
    let resp = app
        .post(
            &format!("/v1/attempts/{aid}/submit"),
            Some(&t.access),
            &json!({}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

pub(crate) fn number(result: &Value) -> String {
    result["certificate"]["number"]
        .as_str()
        .expect("a certificate")
        .to_string()
}

pub(crate) async fn partner_key(app: &TestApp) -> String {
    let admin = app.user_with_role("admin@example.com", Role::Admin).await;
    let resp = app
        .post(
            "/v1/admin/partners",
            Some(&admin.access),
            &json!({"name": "Acme Training"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let body: Value = resp.json().await.unwrap();
    body["api_key"].as_str().unwrap().to_string()
}

pub(crate) async fn batch(app: &TestApp, key: Option<&str>, numbers: Value) -> reqwest::Response {
    let mut req = app
        .client
        .post(format!("{}/v1/partner/verifications", app.address))
        .json(&json!({ "numbers": numbers }));
    if let Some(k) = key {
        req = req.header("x-api-key", k);
    }
    req.send().await.unwrap()
}

fn unknown_number() -> String {
    let mut rng = rand::rng();
    invigil::domain::certificate::CertificateNumber::generate("MLOA-F", &mut rng).to_string()
}

both_backends! {
    async fn passing_mloa_f_issues_a_certificate(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let result = pass(&app, &t, "MLOA-F").await;
        let cert = &result["certificate"];
        let n = number(&result);
        assert!(invigil::domain::certificate::CertificateNumber::parse(&n).is_some());
        assert!(n.starts_with("MLOAF-"));
        assert_eq!(cert["certification_code"], "MLOA-F");
        assert_eq!(cert["level"], "foundation");
        assert_eq!(cert["holder_name"], "Test Candidate");
        assert_eq!(cert["status"], "active");
        assert_eq!(cert["issued_on"], "2026-11-26");
        assert_eq!(cert["expires_on"], "2029-11-26");
        assert_eq!(cert["renewal_opens_on"], "2029-05-30");
        assert_eq!(cert["revoked_reason"], Value::Null);
        let mine: Vec<Value> = app.get("/v1/me/certificates", Some(&t.access)).await.json().await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(&mine[0], cert);
        assert_eq!(mine[0]["history"][0]["kind"], "issued");
        // A failed attempt earns nothing.
        let other = app.candidate("bob@example.com").await;
        let attempt = app.start_attempt(&other.access, "MLOA-F").await;
        let failed = app.post(&format!("/v1/attempts/{}/submit", attempt["id"].as_str().unwrap()), Some(&other.access), &json!({})).await;
        assert_eq!(failed.status(), StatusCode::OK);
        let failed: Value = failed.json().await.unwrap();
        assert_eq!((failed["status"].as_str(), failed["passed"].as_bool()), (Some("failed"), Some(false)), "{failed}");
        assert_eq!(failed["certificate"], Value::Null);
        let none: Vec<Value> = app.get("/v1/me/certificates", Some(&other.access)).await.json().await.unwrap();
        assert!(none.is_empty());
    }

    async fn anyone_verifies_a_number_and_sees_no_private_detail(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let n = number(&pass(&app, &t, "MLOA-F").await);
        let resp = app.get(&format!("/v1/verify/{}", n.to_lowercase()), None).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let text = resp.text().await.unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["number"], n.as_str());
        assert_eq!(v["status"], "active");
        assert_eq!(v["holder_name"], "Test Candidate");
        assert_eq!(v["certification_title"], "Certified MLOps Architect – Foundation");
        assert_eq!(v["level"], "foundation");
        assert_eq!(v["issued_on"], "2026-11-26");
        assert_eq!(v["expires_on"], "2029-11-26");
        assert_eq!(v["renewal_opens_on"], "2029-05-30");
        assert!(!text.contains("ada@example.com") && !text.contains("attempt"));
    }

    async fn a_mistyped_number_is_400_and_an_unknown_one_404(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let n = number(&pass(&app, &t, "MLOA-F").await);
        let mut typo: Vec<char> = n.chars().collect();
        let last = typo.len() - 1;
        typo[last] = if typo[last] == 'A' { 'B' } else { 'A' };
        let typo: String = typo.into_iter().collect();
        assert_problem(app.get(&format!("/v1/verify/{typo}"), None).await, StatusCode::BAD_REQUEST, "malformed_number").await;
        assert_problem(app.get("/v1/verify/not-a-number", None).await, StatusCode::BAD_REQUEST, "malformed_number").await;
        assert_problem(app.get(&format!("/v1/verify/{}", unknown_number()), None).await, StatusCode::NOT_FOUND, "not_found").await;
    }

    async fn a_number_typed_from_paper_finds_its_certificate(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let n = number(&pass(&app, &t, "MLOA-F").await);
        // The issued number as a person might type it: lower case, no hyphens, O for 0 and
        // L for 1 wherever the random part has them.
        let (prefix, rest) = n.split_once('-').unwrap();
        let rest: String = rest.chars().filter(|&c| c != '-').map(|c| match c { '0' => 'o', '1' => 'l', c => c.to_ascii_lowercase() }).collect();
        let typed = format!("{}{rest}", prefix.to_lowercase());
        let resp = app.get(&format!("/v1/verify/{typed}"), None).await;
        assert_eq!(resp.status(), StatusCode::OK, "{typed}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["number"], n.as_str());

        // The random part of that number may have no 0 or 1; this one has both. It is
        // stored as a copy of the issued certificate, for an attempt of another candidate.
        let fixed = "MLOAF-70K1-9X1R-3";
        assert_eq!(invigil::domain::certificate::CertificateNumber::parse(fixed).unwrap().as_str(), fixed);
        let bob = app.candidate("bob@example.com").await;
        let attempt = app.start_attempt(&bob.access, "MLOA-F").await;
        let attempt_id = attempt["id"].as_str().unwrap().to_string();
        let issued = n.clone();
        app.state.db.write(move |c| {
            use invigil::db::certificates as rows;
            let mut row = rows::find(c, &issued)?.expect("the issued certificate").row;
            row.number = fixed.to_string();
            row.issuing_attempt_id = attempt_id;
            Ok(rows::insert(c, &row)?)
        }).await.unwrap();
        for typed in ["mloaf70k19x1r3", "mloaf7ok19xlr3", "MLOAF 7OKL 9XIR 3", "mloaf-7oki-9x1r-3"] {
            let resp = app.get(&format!("/v1/verify/{typed}"), None).await;
            assert_eq!(resp.status(), StatusCode::OK, "{typed}");
            let v: Value = resp.json().await.unwrap();
            assert_eq!(v["number"], fixed, "{typed}");
            assert_eq!(v["holder_name"], "Test Candidate");
        }
        let resp = app.get("/v1/certificates/mloaf7ok19xlr3/credential", None).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let key = partner_key(&app).await;
        let resp = batch(&app, Some(&key), json!(["mloaf7ok19xlr3", typed])).await;
        let body: Value = resp.json().await.unwrap();
        let results = body["results"].as_array().unwrap();
        assert_eq!((results[0]["found"].as_bool(), results[1]["found"].as_bool()), (Some(true), Some(true)), "{body}");
        // A real typo is still one, however it is typed: 9X2R for 9X1R.
        assert_problem(app.get("/v1/verify/mloaf7ok19x2r3", None).await, StatusCode::BAD_REQUEST, "malformed_number").await;
    }

    async fn partners_verify_in_bulk_with_a_key_shown_once(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let n = number(&pass(&app, &t, "MLOA-F").await);
        let key = partner_key(&app).await;
        assert!(key.len() >= 40);
        // Only a hash is stored.
        let stored: Vec<String> = app.state.db.read(|c| {
            use diesel::prelude::*;
            use invigil::db::schema::partners::dsl::*;
            Ok(partners.select(api_key_hash).load(c)?)
        }).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0], invigil::auth::refresh::hash(&key), "the key's SHA-256, and nothing else");
        assert!(!stored[0].contains(&key));

        let unknown = unknown_number();
        let resp = batch(&app, Some(&key), json!([unknown, "MLOAF-XXXX-XXXX-X", n])).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.unwrap();
        let results = body["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        assert_eq!(results[0]["number"], unknown.as_str());
        assert_eq!(results[0]["found"], false);
        assert_eq!(results[1]["found"], false);
        assert_eq!(results[1]["error"], "malformed_number");
        assert_eq!(results[2]["found"], true);
        assert_eq!(results[2]["status"], "active");
        assert_eq!(results[2]["holder_name"], "Test Candidate");
        assert_eq!(results[2]["certification_code"], "MLOA-F");
        assert_eq!(results[2]["expires_on"], "2029-11-26");

        let hundred: Vec<String> = (0..100).map(|_| n.clone()).collect();
        assert_eq!(batch(&app, Some(&key), json!(hundred)).await.status(), StatusCode::OK);
        let too_many: Vec<String> = (0..101).map(|_| n.clone()).collect();
        assert_problem(batch(&app, Some(&key), json!(too_many)).await, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert_problem(batch(&app, None, json!([n])).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        assert_problem(batch(&app, Some("ivk_wrong"), json!([n])).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }

    async fn a_revoked_partner_key_is_401(app: TestApp) {
        let admin = app.user_with_role("root@example.com", Role::Admin).await;
        let created = app.post("/v1/admin/partners", Some(&admin.access), &json!({"name": "Acme"})).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let created: Value = created.json().await.unwrap();
        let key = created["api_key"].as_str().unwrap();
        assert_eq!(batch(&app, Some(key), json!([unknown_number()])).await.status(), StatusCode::OK);
        let resp = app.post(&format!("/v1/admin/partners/{}/revoke", created["id"].as_str().unwrap()), Some(&admin.access), &json!({})).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_problem(batch(&app, Some(key), json!([unknown_number()])).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }

    async fn only_admins_manage_partners_and_revocations(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let n = number(&pass(&app, &t, "MLOA-F").await);
        let proctor = app.user_with_role("p@example.com", Role::Proctor).await;
        let admin = app.user_with_role("root@example.com", Role::Admin).await;
        let partner = app.post("/v1/admin/partners", Some(&admin.access), &json!({"name": "Acme"})).await;
        assert_eq!(partner.status(), StatusCode::CREATED);
        let partner: Value = partner.json().await.unwrap();
        let key = partner["api_key"].as_str().unwrap();
        let partner_revoke = format!("/v1/admin/partners/{}/revoke", partner["id"].as_str().unwrap());
        for token in [&t.access, &proctor.access] {
            assert_problem(app.post("/v1/admin/partners", Some(token), &json!({"name": "X"})).await, StatusCode::FORBIDDEN, "forbidden").await;
            assert_problem(app.post(&partner_revoke, Some(token), &json!({})).await, StatusCode::FORBIDDEN, "forbidden").await;
            let revoke = app.post(&format!("/v1/admin/certificates/{n}/revoke"), Some(token), &json!({"reason": "x"})).await;
            assert_problem(revoke, StatusCode::FORBIDDEN, "forbidden").await;
        }
        // The refused calls changed nothing: one partner, its key still works, the certificate stands.
        let names: Vec<String> = app.state.db.read(|c| {
            use diesel::prelude::*;
            use invigil::db::schema::partners::dsl::*;
            Ok(partners.select(name).load(c)?)
        }).await.unwrap();
        assert_eq!(names, ["Acme"]);
        assert_eq!(batch(&app, Some(key), json!([n])).await.status(), StatusCode::OK);
        let v = app.get(&format!("/v1/verify/{n}"), None).await;
        assert_eq!(v.status(), StatusCode::OK);
        assert_eq!(v.json::<Value>().await.unwrap()["status"], "active");
    }

    async fn a_revoked_certificate_is_revoked_everywhere(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let n = number(&pass(&app, &t, "MLOA-F").await);
        let key = partner_key(&app).await;
        let admin = app.tokens("admin@example.com").await;
        let resp = app.post(&format!("/v1/admin/certificates/{n}/revoke"), Some(&admin.access), &json!({"reason": "exam content leaked by the holder"})).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let revoked: Value = resp.json().await.unwrap();
        assert_eq!(revoked["status"], "revoked");
        assert_eq!(revoked["revoked_reason"], "exam content leaked by the holder");
        let v: Value = app.get(&format!("/v1/verify/{n}"), None).await.json().await.unwrap();
        assert_eq!(v["status"], "revoked");
        let b: Value = batch(&app, Some(&key), json!([n])).await.json().await.unwrap();
        assert_eq!(b["results"][0]["status"], "revoked");
        assert_problem(app.get(&format!("/v1/certificates/{n}/credential"), None).await, StatusCode::GONE, "revoked").await;
        let mine: Vec<Value> = app.get("/v1/me/certificates", Some(&t.access)).await.json().await.unwrap();
        assert_eq!(mine[0]["status"], "revoked");
        // A revoked Foundation is no longer a prerequisite.
        assert_problem(app.post("/v1/certifications/MLOA-P/attempts", Some(&t.access), &json!({})).await, StatusCode::FORBIDDEN, "prerequisite_missing").await;
    }

    async fn the_credential_verifies_with_only_the_published_key(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let n = number(&pass(&app, &t, "MLOA-F").await);
        let credential: Value = app.get(&format!("/v1/certificates/{n}/credential"), None).await.json().await.unwrap();
        let jws = credential["credential"].as_str().unwrap().to_string();
        let jwks: Value = app.get("/.well-known/jwks.json", None).await.json().await.unwrap();
        let claims = verify_independently(&jws, &jwks).expect("verifies");
        assert_eq!(claims["number"], n.as_str());
        assert_eq!(claims["holder_name"], "Test Candidate");
        assert_eq!(claims["certification_code"], "MLOA-F");
        assert_eq!(claims["level"], "foundation");
        assert_eq!(claims["iss"], format!("{}/v1/issuer", app.settings.messaging.public_url));
        assert_eq!(claims["exp"], chrono::NaiveDate::from_ymd_opt(2029, 11, 27).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp());
        assert!(claims["iat"].is_i64() && claims["nbf"].is_i64());
        // With jsonwebtoken and the JWK as published, too.
        let header = jsonwebtoken::decode_header(&jws).unwrap();
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == header.kid.clone().unwrap().as_str()).unwrap().clone()).unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        assert!(jsonwebtoken::decode::<Value>(&jws, &jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap(), &validation).is_ok());
        // One changed byte and it no longer verifies.
        let parts: Vec<&str> = jws.split('.').collect();
        let mut payload: Value = serde_json::from_slice(&b64().decode(parts[1]).unwrap()).unwrap();
        payload["expires_on"] = json!("2099-11-26");
        let forged = format!("{}.{}.{}", parts[0], b64().encode(payload.to_string()), parts[2]);
        assert!(verify_independently(&forged, &jwks).is_none());
    }

    async fn rotating_keys_keeps_old_credentials_valid(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let n = number(&pass(&app, &t, "MLOA-F").await);
        let old: Value = app.get(&format!("/v1/certificates/{n}/credential"), None).await.json().await.unwrap();
        let now = app.clock.now_utc();
        let kid = app.state.db.write(move |c| invigil::service::credentials::create_key(c, now + Duration::seconds(1))).await.unwrap();
        let jwks: Value = app.get("/.well-known/jwks.json", None).await.json().await.unwrap();
        assert_eq!(jwks["keys"].as_array().unwrap().iter().filter(|k| k["kty"] == "OKP").count(), 2);
        assert!(verify_independently(old["credential"].as_str().unwrap(), &jwks).is_some());
        let new: Value = app.get(&format!("/v1/certificates/{n}/credential"), None).await.json().await.unwrap();
        let header = jsonwebtoken::decode_header(new["credential"].as_str().unwrap()).unwrap();
        assert_eq!(header.kid.as_deref(), Some(kid.as_str()));
        assert!(verify_independently(new["credential"].as_str().unwrap(), &jwks).is_some());
    }

    async fn a_professional_exam_needs_an_active_foundation(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let resp = app.post("/v1/certifications/MLOA-P/attempts", Some(&t.access), &json!({})).await;
        let body = assert_problem(resp, StatusCode::FORBIDDEN, "prerequisite_missing").await;
        assert!(body["detail"].as_str().unwrap().contains("MLOA-F"));
        pass(&app, &t, "MLOA-F").await;
        let resp = app.post("/v1/certifications/MLOA-P/attempts", Some(&t.access), &json!({})).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
    }

    async fn a_foundation_due_for_renewal_still_opens_the_professional_and_an_expired_one_does_not(app: TestApp) {
        let ada = app.candidate("ada@example.com").await;
        let ada_foundation = number(&pass(&app, &ada, "MLOA-F").await);
        let bob = app.candidate("bob@example.com").await;
        let bob_foundation = number(&pass(&app, &bob, "MLOA-F").await);
        // 2029-06-01 is inside the renewal window (2029-05-30 to 2029-11-26).
        app.clock.set(chrono::DateTime::parse_from_rfc3339("2029-06-01T09:00:00Z").unwrap().to_utc());
        let v: Value = app.get(&format!("/v1/verify/{ada_foundation}"), None).await.json().await.unwrap();
        assert_eq!(v["status"], "renewal_due");
        let ada = app.tokens("ada@example.com").await;
        let resp = app.post("/v1/certifications/MLOA-P/attempts", Some(&ada.access), &json!({})).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        // 2029-11-27 is the first day after the expiry.
        app.clock.set(chrono::DateTime::parse_from_rfc3339("2029-11-27T09:00:00Z").unwrap().to_utc());
        let v: Value = app.get(&format!("/v1/verify/{bob_foundation}"), None).await.json().await.unwrap();
        assert_eq!(v["status"], "expired");
        let bob = app.tokens("bob@example.com").await;
        let resp = app.post("/v1/certifications/MLOA-P/attempts", Some(&bob.access), &json!({})).await;
        let body = assert_problem(resp, StatusCode::FORBIDDEN, "prerequisite_missing").await;
        assert!(body["detail"].as_str().unwrap().contains("MLOA-F"), "{body}");
    }

    async fn renewal_is_refused_before_the_window_and_extends_the_same_number_inside_it(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let n = number(&pass(&app, &t, "MLOA-F").await);
        let again = app.post("/v1/certifications/MLOA-F/attempts", Some(&t.access), &json!({})).await;
        assert_problem(again, StatusCode::CONFLICT, "already_certified").await;
        // 2029-05-30 opens the renewal window.
        app.clock.set(chrono::DateTime::parse_from_rfc3339("2029-05-30T09:00:00Z").unwrap().to_utc());
        let t = app.tokens("ada@example.com").await;
        let renewed = pass(&app, &t, "MLOA-F").await;
        assert_eq!(number(&renewed), n, "the same number");
        assert_eq!(renewed["certificate"]["issued_on"], "2026-11-26");
        assert_eq!(renewed["certificate"]["expires_on"], "2032-11-26");
        assert_eq!(renewed["certificate"]["status"], "active");
        let kinds: Vec<&str> = renewed["certificate"]["history"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["issued", "renewed"]);
        let mine: Vec<Value> = app.get("/v1/me/certificates", Some(&t.access)).await.json().await.unwrap();
        assert_eq!(mine.len(), 1);
    }

    async fn after_expiry_passing_issues_a_new_certificate(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let first = number(&pass(&app, &t, "MLOA-F").await);
        app.clock.set(chrono::DateTime::parse_from_rfc3339("2029-11-27T09:00:00Z").unwrap().to_utc());
        let t = app.tokens("ada@example.com").await;
        let v: Value = app.get(&format!("/v1/verify/{first}"), None).await.json().await.unwrap();
        assert_eq!(v["status"], "expired");
        let second = pass(&app, &t, "MLOA-F").await;
        assert_ne!(number(&second), first);
        assert_eq!(second["certificate"]["issued_on"], "2029-11-27");
        assert_eq!(second["certificate"]["expires_on"], "2032-11-27");
    }

    async fn a_professional_pass_recertifies_the_foundation(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let foundation = number(&pass(&app, &t, "MLOA-F").await);
        // 20 months later: the Professional runs to 2030-07-26, past the Foundation's 2029-11-26.
        app.clock.set(chrono::DateTime::parse_from_rfc3339("2028-07-26T09:00:00Z").unwrap().to_utc());
        let t = app.tokens("ada@example.com").await;
        let professional = pass(&app, &t, "MLOA-P").await;
        assert_eq!(professional["certificate"]["expires_on"], "2030-07-26");
        let v: Value = app.get(&format!("/v1/verify/{foundation}"), None).await.json().await.unwrap();
        assert_eq!(v["expires_on"], "2030-07-26");
        let mine: Vec<Value> = app.get("/v1/me/certificates", Some(&t.access)).await.json().await.unwrap();
        let f = mine.iter().find(|c| c["number"] == foundation.as_str()).unwrap();
        let kinds: Vec<&str> = f["history"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["issued", "recertified"]);
    }

    async fn concurrent_submits_issue_one_certificate(app: TestApp) {
        let t = app.candidate("ada@example.com").await;
        let attempt = app.start_attempt(&t.access, "MLOA-F").await;
        let aid = attempt["id"].as_str().unwrap().to_string();
        app.answer(&t.access, &aid, 30).await;
        let other = app.second_instance();
        let path = format!("/v1/attempts/{aid}/submit");
        let empty = json!({});
        let submits = (0..20).map(|i| if i % 2 == 0 { &app } else { &other }.post(&path, Some(&t.access), &empty));
        let answers: Vec<(StatusCode, Value)> = futures_util::future::join_all(submits.map(|f| async { let r = f.await; (r.status(), r.json::<Value>().await.unwrap()) })).await;
        for (status, body) in &answers {
            assert_eq!(*status, StatusCode::OK, "{body}");
            assert_eq!(body["status"], "passed", "{body}");
        }
        let first = answers[0].1["certificate"]["number"].as_str().expect("a certificate number").to_string();
        assert!(answers.iter().all(|(_, body)| body["certificate"]["number"].as_str() == Some(first.as_str())), "one number for all: {answers:?}");
        let count = app.state.db.read(|c| {
            use diesel::prelude::*;
            use invigil::db::schema::certificates::dsl::*;
            Ok(certificates.count().get_result::<i64>(c)?)
        }).await.unwrap();
        assert_eq!(count, 1);
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

/// Verifies a compact JWS with nothing but the JWKS and an Ed25519 implementation, and
/// returns its claims.
fn verify_independently(jws: &str, jwks: &Value) -> Option<Value> {
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};
    let parts: Vec<&str> = jws.split('.').collect();
    let header: Value = serde_json::from_slice(&b64().decode(parts.first()?).ok()?).ok()?;
    if header["alg"] != "EdDSA" {
        return None;
    }
    let jwk = jwks["keys"]
        .as_array()?
        .iter()
        .find(|k| k["kid"] == header["kid"])?;
    let x: [u8; 32] = b64().decode(jwk["x"].as_str()?).ok()?.try_into().ok()?;
    let key = VerifyingKey::from_bytes(&x).ok()?;
    let signature = Signature::from_slice(&b64().decode(parts.get(2)?).ok()?).ok()?;
    key.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .ok()?;
    serde_json::from_slice(&b64().decode(parts[1]).ok()?).ok()
}

mod rate_limits {
    use crate::helpers::{assert_problem, Backend, TestApp};
    use reqwest::StatusCode;

    #[actix_web::test]
    async fn public_verification_is_rate_limited_per_address() {
        let app = TestApp::spawn_with(Backend::Sqlite, |s| s.verify_rate_per_minute = 3, |_| {})
            .await
            .unwrap();
        let n = super::unknown_number();
        for _ in 0..3 {
            assert_eq!(
                app.get(&format!("/v1/verify/{n}"), None).await.status(),
                StatusCode::NOT_FOUND
            );
        }
        let resp = app.get(&format!("/v1/verify/{n}"), None).await;
        assert_eq!(resp.headers().get("retry-after").unwrap(), "60");
        assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
        // The limit is this address's alone: another one still gets an answer.
        let other = app
            .client
            .get(format!("{}/v1/verify/{n}", app.address))
            .header("x-forwarded-for", "198.51.100.23")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), StatusCode::NOT_FOUND);
        app.clock.advance(chrono::Duration::minutes(1));
        assert_eq!(
            app.get(&format!("/v1/verify/{n}"), None).await.status(),
            StatusCode::NOT_FOUND
        );
    }
}
