use super::*;

fn check(id: &str, points: i32, expr: &str) -> Check {
    Check {
        id: id.into(),
        points,
        requirement: format!("{id} holds"),
        expr: expr.into(),
    }
}

fn deployment_checks() -> CheckSet {
    CheckSet::compile(&[
        check(
            "replicas",
            2,
            "has(doc.spec) && has(doc.spec.replicas) && doc.spec.replicas >= 2",
        ),
        check(
            "gpu",
            3,
            "doc.spec.template.spec.containers.all(c, c.resources.limits['nvidia.com/gpu'] == 1)",
        ),
        check(
            "service",
            1,
            "docs.exists(d, has(d.kind) && d.kind == 'Service')",
        ),
    ])
    .expect("the checks compile")
}

const DEPLOYMENT: &str = "kind: Deployment
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: server
          resources:
            limits:
              nvidia.com/gpu: 1
---
kind: Service
";

#[test]
fn each_passed_check_adds_its_points() {
    let checks = deployment_checks();
    let full = checks.grade(Format::Yaml, DEPLOYMENT);
    assert_eq!(full.status, LabStatus::Graded);
    assert_eq!((full.points_awarded, full.points_possible), (6, 6));
    assert!(full.diagnostics.is_empty());

    let one_replica = DEPLOYMENT.replace("replicas: 3", "replicas: 1");
    let partial = checks.grade(Format::Yaml, &one_replica);
    assert_eq!(partial.points_awarded, 4);
    let passed: Vec<(&str, bool)> = partial
        .checks
        .iter()
        .map(|c| (c.id.as_str(), c.passed))
        .collect();
    assert_eq!(
        passed,
        [("replicas", false), ("gpu", true), ("service", true)]
    );
}

#[test]
fn a_check_that_errors_or_is_not_true_fails_without_failing_the_others() {
    let checks = CheckSet::compile(&[
        check("missing-key", 1, "doc.nothing.here == 1"),
        check("not-bool", 1, "doc.spec.replicas"),
        check("wrong-type", 1, "doc.kind > 3"),
        check("fine", 1, "doc.kind == 'Deployment'"),
    ])
    .expect("the checks compile");
    let grade = checks.grade(Format::Yaml, DEPLOYMENT);
    assert_eq!(grade.status, LabStatus::Graded);
    assert_eq!(grade.points_awarded, 1);
}

#[test]
fn an_artifact_that_does_not_parse_is_ungradable_with_a_located_diagnostic() {
    let checks = deployment_checks();
    let broken = "kind: Deployment\nspec:\n  replicas: [3\n";
    let grade = checks.grade(Format::Yaml, broken);
    assert_eq!(grade.status, LabStatus::Ungradable);
    assert_eq!(grade.points_awarded, 0);
    assert!(grade.checks.iter().all(|c| !c.passed));
    let d = &grade.diagnostics[0];
    assert!(d.line >= 3, "{d:?}");

    let json = parse::parse(Format::Json, "{\n  \"a\": 1,\n  \"b\": }")
        .err()
        .expect("refused");
    assert_eq!((json.line, json.column), (3, 8));
    assert!(!json.message.contains("line"), "{json:?}");

    let toml = parse::parse(Format::Toml, "a = 1\nb = = 2\n")
        .err()
        .expect("refused");
    assert_eq!(toml.line, 2, "{toml:?}");
}

#[test]
fn duplicate_keys_are_a_syntax_error() {
    assert!(parse::parse(Format::Yaml, "a: 1\na: 2\n").is_err());
    assert!(parse::parse(Format::Toml, "a = 1\na = 2\n").is_err());
}

#[test]
fn a_billion_laughs_is_refused_not_expanded() {
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut previous = 'a';
    for name in 'b'..='j' {
        let refs = vec![format!("*{previous}"); 9].join(",");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
        previous = name;
    }
    let started = std::time::Instant::now();
    let refused = parse::parse(Format::Yaml, &bomb)
        .err()
        .expect("the bomb is refused");
    assert!(!refused.message.is_empty());
    // Not a performance assertion: a bomb that were expanded would not finish at all.
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let grade = deployment_checks().grade(Format::Yaml, &bomb);
    assert_eq!(grade.status, LabStatus::Ungradable);
}

#[test]
fn ten_thousand_deep_json_is_refused_without_overflowing_the_stack() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(parse::parse(Format::Json, &deep).is_err());
    let deep_yaml = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(parse::parse(Format::Yaml, &deep_yaml).is_err());
    let deep_toml = format!("a = {}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(parse::parse(Format::Toml, &deep_toml).is_err());
    // Just inside the limit is fine.
    let ok = format!(
        "{}{}",
        "[".repeat(parse::MAX_DEPTH),
        "]".repeat(parse::MAX_DEPTH)
    );
    assert!(parse::parse(Format::Json, &ok).is_ok());
    let over = format!(
        "{}{}",
        "[".repeat(parse::MAX_DEPTH + 1),
        "]".repeat(parse::MAX_DEPTH + 1)
    );
    assert!(parse::parse(Format::Json, &over).is_err());
}

#[test]
fn toml_nested_through_dotted_keys_in_inline_tables_is_refused_without_a_crash() {
    // Each inline table opens 79 levels through one dotted key: thousands deep in 13 KB,
    // past what the parser's own recursion limit counts.
    let key = vec!["a"; 79].join(".");
    let mut bomb = String::from("k = ");
    for _ in 0..78 {
        bomb.push_str(&format!("{{ {key} = "));
    }
    bomb.push('1');
    bomb.push_str(&" }".repeat(78));
    assert!(bomb.len() < 16 * 1024);
    let refused = parse::parse(Format::Toml, &bomb).err().expect("refused");
    assert!(refused.message.contains("levels deep"), "{refused:?}");
    // Each of the other formats too, through the same reading.
    let json = parse::parse(
        Format::Json,
        &format!("{}1{}", "[".repeat(33), "]".repeat(33)),
    );
    assert!(json.err().expect("refused").message.contains("levels deep"));
}

#[test]
fn a_byte_order_mark_is_not_content() {
    let checks = CheckSet::compile(&[check("seed", 1, "doc.seed == 42")]).expect("compiles");
    let grade = checks.grade(Format::Json, "\u{feff}{\"seed\": 42}");
    assert_eq!((grade.status, grade.points_awarded), (LabStatus::Graded, 1));
    // An empty JSON file is located at line 1, column 1, not column 0.
    let empty = parse::parse(Format::Json, "").err().expect("refused");
    assert!(empty.line >= 1 && empty.column >= 1, "{empty:?}");
}

#[test]
fn an_artifact_of_64_kib_is_graded_and_one_byte_more_is_refused() {
    let line = "x".repeat(63) + "\n";
    let mut text = "FROM python:3.12.7-slim\nUSER app\n".to_string();
    while text.len() + line.len() <= MAX_ARTIFACT_BYTES {
        text.push_str(&line);
    }
    text.push_str(&"y".repeat(MAX_ARTIFACT_BYTES - text.len()));
    assert_eq!(text.len(), MAX_ARTIFACT_BYTES);
    let checks = CheckSet::compile(&[
        check(
            "base",
            1,
            "lines.exists(l, l.matches('^FROM python:[0-9.]+-slim$'))",
        ),
        check("user", 1, "lines.exists(l, l == 'USER app')"),
        check("no-root", 1, "!lines.exists(l, l.matches('^USER root'))"),
    ])
    .expect("the checks compile");
    let grade = checks.grade(Format::Text, &text);
    assert_eq!((grade.status, grade.points_awarded), (LabStatus::Graded, 3));
    text.push('z');
    let grade = checks.grade(Format::Text, &text);
    assert_eq!(grade.status, LabStatus::Ungradable);
}

#[test]
fn too_many_nodes_or_documents_are_refused() {
    let wide = format!("[{}]", vec!["1"; parse::MAX_NODES + 1].join(","));
    assert!(wide.len() < MAX_ARTIFACT_BYTES);
    assert!(parse::parse(Format::Json, &wide).is_err());
    let streams = "a: 1\n---\n".repeat(parse::MAX_DOCUMENTS + 1);
    assert!(parse::parse(Format::Yaml, &streams).is_err());
}

#[test]
fn an_expression_that_would_explode_in_cost_is_refused_before_it_runs() {
    // Three nested scans of every line: 20,000 lines make 8·10^12 steps.
    let explosive = CheckSet::compile(&[check(
        "cubic",
        1,
        "lines.all(a, lines.all(b, lines.all(c, a == b || b != c)))",
    )])
    .expect("compiles");
    let many_lines = "x\n".repeat(20_000);
    let started = std::time::Instant::now();
    let grade = explosive.grade(Format::Text, &many_lines);
    assert_eq!(grade.status, LabStatus::Ungradable);
    assert!(grade.diagnostics[0].message.contains("budget"));
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    // The same check over a small artifact is within budget and evaluated.
    let small = explosive.grade(Format::Text, "x\nx\n");
    assert_eq!((small.status, small.points_awarded), (LabStatus::Graded, 1));
}

#[test]
fn the_estimate_grows_with_nesting_and_input() {
    let program = |e: &str| cel::Program::compile(e).expect("compiles");
    let sizes = |n: u64| parse::Sizes {
        longest_collection: n,
        documents: 1,
        lines: n,
        longest_string: 10,
        text_bytes: 100,
        nodes: n,
    };
    let flat = program("lines.exists(l, l == 'x')");
    let nested = program("lines.exists(a, lines.exists(b, a == b))");
    assert!(
        cost::estimate(flat.expression(), &sizes(100))
            < cost::estimate(nested.expression(), &sizes(100))
    );
    assert!(
        cost::estimate(nested.expression(), &sizes(10))
            < cost::estimate(nested.expression(), &sizes(1000))
    );
    assert!(cost::estimate(nested.expression(), &sizes(10_000)) > cost::BUDGET);
    assert!(cost::estimate(flat.expression(), &sizes(10_000)) < cost::BUDGET);
    // A manifest of many lines but short lists: a nested scan of its lists stays cheap.
    let manifest = parse::Sizes {
        longest_collection: 12,
        documents: 3,
        lines: 5_000,
        longest_string: 80,
        text_bytes: 60_000,
        nodes: 2_000,
    };
    let containers = program(
        "docs.exists(d, has(d.spec) && d.spec.template.spec.containers.all(c, c.ports.exists(p, p.containerPort == 8080)))",
    );
    assert!(cost::estimate(containers.expression(), &manifest) < 10_000);
    // A regular expression is compiled on every call, and charged for it.
    let regex = program("lines.exists(l, l.matches('^USER [a-z]+$'))");
    let plain = program("lines.exists(l, l.startsWith('USER '))");
    assert!(
        cost::estimate(regex.expression(), &manifest)
            > 50 * cost::estimate(plain.expression(), &manifest)
    );
    // A pattern taken from the artifact is charged for being compiled from it.
    let chosen = program("lines.exists(l, 'x'.matches(l))");
    assert!(
        cost::estimate(chosen.expression(), &manifest)
            >= cost::estimate(regex.expression(), &manifest) + 5_000 * 4 * 80
    );
    // exists_one counts with an integer: linear, not quadratic.
    let one = program("lines.exists_one(l, l.startsWith('USER '))");
    assert!(cost::estimate(one.expression(), &manifest) < 100_000);
    // Building a list with filter or map appends in place: linear, not quadratic.
    let filtered = program("docs.exists(d, lines.filter(l, l.startsWith('x')).size() > 0)");
    assert!(cost::estimate(filtered.expression(), &manifest) < 1_000_000);
    let concatenated = program("(lines + lines).exists(l, l == 'x')");
    assert!(cost::estimate(concatenated.expression(), &manifest) > 2 * 5_000);
}

#[test]
fn checks_that_do_not_compile_or_read_unknown_variables_are_named() {
    let errors = CheckSet::compile(&[
        check("ok", 1, "size(docs) > 0"),
        check("syntax", 1, "doc.spec.replicas >="),
        check("unknown", 1, "env.HOME == '/root'"),
        check(
            "types",
            1,
            "type(doc) == map && type(docs) == list && type(text) == string",
        ),
        check("pattern", 1, "lines.exists(l, 'x'.matches(l))"),
        check(
            "literal",
            1,
            "lines.exists(l, l.matches('^x$') || matches(l, 'y'))",
        ),
    ])
    .err()
    .expect("refused");
    let which: Vec<usize> = errors.iter().map(|(i, _)| *i).collect();
    assert_eq!(which, [1, 2]);
    assert!(errors[1].1.contains("env"), "{:?}", errors[1]);
}

#[test]
fn text_json_and_toml_bind_the_documented_variables() {
    let checks = CheckSet::compile(&[
        check("doc-null", 1, "doc == null && size(docs) == 0"),
        check("lines", 1, "size(lines) == 2 && lines[1] == 'USER app'"),
        check("text", 1, "text.startsWith('FROM')"),
    ])
    .expect("compiles");
    let g = checks.grade(Format::Text, "FROM scratch\r\nUSER app\n");
    assert_eq!(g.points_awarded, 3);

    let json =
        CheckSet::compile(&[check("n", 1, "doc.seed == 42 && doc.ratio > 0.5")]).expect("compiles");
    assert_eq!(
        json.grade(Format::Json, r#"{"seed": 42, "ratio": 0.8}"#)
            .points_awarded,
        1
    );
    let toml = CheckSet::compile(&[check(
        "t",
        1,
        "doc.training.seed == 42 && doc.tracking.uri.startsWith('https://') && doc.when == '2026-01-02'",
    )])
    .expect("compiles");
    let text = "when = 2026-01-02\n[training]\nseed = 42\n[tracking]\nuri = \"https://mlflow\"\n";
    assert_eq!(toml.grade(Format::Toml, text).points_awarded, 1);
}

#[test]
fn the_grade_names_the_artifact_and_the_check_set() {
    let a = deployment_checks();
    let grade = a.grade(Format::Yaml, DEPLOYMENT);
    assert_eq!(grade.artifact_sha256.len(), 64);
    assert_eq!(grade.check_set, a.version());
    let changed =
        CheckSet::compile(&[check("replicas", 2, "doc.spec.replicas >= 3")]).expect("compiles");
    assert_ne!(changed.version(), a.version());
    // Same checks, same version: a re-import does not change it.
    assert_eq!(deployment_checks().version(), a.version());
    assert_ne!(
        a.grade(Format::Yaml, "kind: X\n").artifact_sha256,
        grade.artifact_sha256
    );
}
