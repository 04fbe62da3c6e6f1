//! The portable schema: only types both backends share (UUIDs as text, instants as UTC
//! timestamps). Written by hand to match `migrations/sqlite` and `migrations/postgres`.

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        full_name -> Text,
        role -> Text,
        password_hash -> Text,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
        email_verified_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    account_changes (seq) {
        seq -> BigInt,
        user_id -> Text,
    }
}

diesel::table! {
    account_tokens (id) {
        id -> Text,
        user_id -> Text,
        purpose -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        spent_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Text,
        account -> Text,
        client -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    server_settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    certifications (code) {
        code -> Text,
        title -> Text,
        track -> Text,
        level -> Text,
        recommended_order -> Integer,
        validity_months -> Integer,
        renewal_window_days -> Integer,
        duration_minutes -> Integer,
        question_count -> Integer,
        pass_mark_tenths -> Integer,
        band_min_tenths -> Integer,
        band_max_tenths -> Integer,
        cut_score -> Text,
        max_attempts_per_year -> Integer,
        retake_wait_days -> Integer,
        active -> Bool,
        guide -> Text,
    }
}

diesel::table! {
    program_guide (id) {
        id -> Integer,
        document -> Text,
    }
}

diesel::table! {
    certification_prerequisites (certification_code, prerequisite_code) {
        certification_code -> Text,
        prerequisite_code -> Text,
    }
}

diesel::table! {
    certification_domains (certification_code, name) {
        certification_code -> Text,
        name -> Text,
        position -> Integer,
        questions -> Integer,
    }
}

diesel::table! {
    questions (id) {
        id -> Text,
        certification_code -> Text,
        current_version -> Integer,
        active -> Bool,
        enemy_group -> Nullable<Text>,
        practice -> Bool,
    }
}

diesel::table! {
    question_versions (question_id, version) {
        question_id -> Text,
        version -> Integer,
        content_hash -> Text,
        domain -> Text,
        kind -> Text,
        stem -> Text,
        options -> Text,
        correct -> Text,
        points -> Integer,
        difficulty -> Nullable<Double>,
        explanation -> Nullable<Text>,
        created_at -> Timestamp,
        lab -> Nullable<Text>,
    }
}

diesel::table! {
    attempts (id) {
        id -> Text,
        user_id -> Text,
        certification_code -> Text,
        status -> Text,
        seed -> Text,
        started_at -> Timestamp,
        deadline -> Timestamp,
        pass_mark_tenths -> Integer,
        closed_at -> Nullable<Timestamp>,
        paused_at -> Nullable<Timestamp>,
        extra_time_percent -> Integer,
        practice -> Bool,
    }
}

diesel::table! {
    attempt_events (id) {
        id -> Text,
        attempt_id -> Text,
        kind -> Text,
        occurred_at -> Timestamp,
        received_at -> Timestamp,
        details -> Text,
        client_addr -> Text,
        user_agent -> Text,
    }
}

diesel::table! {
    answer_saves (id) {
        id -> Text,
        attempt_id -> Text,
        position -> Integer,
        revision -> Integer,
        saved_at -> Timestamp,
        client_addr -> Text,
        user_agent -> Text,
    }
}

diesel::table! {
    attempt_flags (attempt_id, rule) {
        attempt_id -> Text,
        rule -> Text,
        raised_at -> Timestamp,
        detail -> Text,
    }
}

diesel::table! {
    attempt_rule_states (attempt_id) {
        attempt_id -> Text,
        state -> Text,
        last_heartbeat_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    attempt_pauses (attempt_id, paused_at) {
        attempt_id -> Text,
        paused_at -> Timestamp,
        resumed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    attempt_warnings (id) {
        id -> Text,
        attempt_id -> Text,
        proctor_id -> Text,
        text -> Text,
        issued_at -> Timestamp,
    }
}

diesel::table! {
    accommodations (id) {
        id -> Text,
        user_id -> Text,
        certification_code -> Nullable<Text>,
        extra_time_percent -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        seq -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        attempt_id -> Nullable<Text>,
        certificate_number -> Nullable<Text>,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        detail -> Nullable<Text>,
        subject_user_id -> Nullable<Text>,
    }
}

diesel::table! {
    attempt_questions (attempt_id, position) {
        attempt_id -> Text,
        position -> Integer,
        public_id -> Text,
        question_id -> Text,
        version -> Integer,
        domain -> Text,
        option_order -> Text,
        option_ids -> Text,
    }
}

diesel::table! {
    answers (attempt_id, position) {
        attempt_id -> Text,
        position -> Integer,
        selected -> Text,
        revision -> Integer,
        saved_at -> Timestamp,
        artifact -> Nullable<Text>,
        diagnostics -> Nullable<Text>,
        grade -> Nullable<Text>,
    }
}

diesel::table! {
    results (attempt_id) {
        attempt_id -> Text,
        points_awarded -> Integer,
        points_possible -> Integer,
        score_tenths -> Integer,
        pass_mark_tenths -> Integer,
        passed -> Bool,
        domains -> Text,
        closed_reason -> Text,
        submitted_at -> Timestamp,
        scored_at -> Timestamp,
        certificate_number -> Nullable<Text>,
        labs -> Text,
    }
}

diesel::table! {
    certificates (number) {
        number -> Text,
        user_id -> Text,
        certification_code -> Text,
        holder_name -> Text,
        issued_on -> Date,
        expires_on -> Date,
        renewal_window_days -> Integer,
        issuing_attempt_id -> Text,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    certificate_events (id) {
        id -> Text,
        certificate_number -> Text,
        kind -> Text,
        attempt_id -> Nullable<Text>,
        at -> Timestamp,
        expires_on_before -> Nullable<Date>,
        expires_on_after -> Date,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    partners (id) {
        id -> Text,
        name -> Text,
        api_key_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        private_key -> Text,
        public_key -> Text,
        created_at -> Timestamp,
        algorithm -> Text,
    }
}

diesel::table! {
    status_lists (id) {
        id -> Text,
        size -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    status_entries (certificate_number) {
        certificate_number -> Text,
        list_id -> Text,
        list_index -> Integer,
    }
}

diesel::table! {
    partner_usage (partner_id, window_start) {
        partner_id -> Text,
        window_start -> Timestamp,
        requests -> Integer,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        partner_id -> Text,
        url -> Text,
        secret -> Text,
        every_certificate -> Bool,
        created_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    partner_certificates (partner_id, certificate_number) {
        partner_id -> Text,
        certificate_number -> Text,
        first_verified_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        channel -> Text,
        event -> Text,
        dedupe_key -> Text,
        recipient -> Nullable<Text>,
        endpoint_id -> Nullable<Text>,
        payload -> Text,
        created_at -> Timestamp,
        next_attempt_at -> Timestamp,
        attempts -> Integer,
        claimed_until -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        abandoned_at -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(outbox -> webhook_endpoints (endpoint_id));
diesel::joinable!(account_tokens -> users (user_id));
diesel::joinable!(certification_domains -> certifications (certification_code));
diesel::joinable!(questions -> certifications (certification_code));
diesel::joinable!(question_versions -> questions (question_id));
diesel::joinable!(attempts -> users (user_id));
diesel::joinable!(attempts -> certifications (certification_code));
diesel::joinable!(attempt_questions -> attempts (attempt_id));
diesel::joinable!(results -> attempts (attempt_id));
diesel::joinable!(certificates -> certifications (certification_code));
diesel::joinable!(certificate_events -> certificates (certificate_number));
diesel::joinable!(status_entries -> certificates (certificate_number));
diesel::joinable!(status_entries -> status_lists (list_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    refresh_tokens,
    account_changes,
    account_tokens,
    login_failures,
    server_settings,
    certifications,
    program_guide,
    certification_prerequisites,
    certification_domains,
    questions,
    question_versions,
    attempts,
    attempt_questions,
    answers,
    results,
    certificates,
    certificate_events,
    partners,
    signing_keys,
    attempt_events,
    answer_saves,
    attempt_flags,
    attempt_rule_states,
    attempt_pauses,
    attempt_warnings,
    accommodations,
    audit_log,
    webhook_endpoints,
    partner_certificates,
    outbox,
    status_lists,
    status_entries,
    partner_usage,
);
