import type { ProbeResult } from "../types";

// What to do about a failure, by the API's failure class (README: "Test and browse connections").
const WHAT_TO_DO: Record<string, string> = {
  "fix-configuration": "Change the host, port, URL, path or TLS settings.",
  "fix-credentials": "Change the user, password, key or token, or the source's permissions.",
  "re-authenticate": "Authorize again.",
  transient: "Retry later.",
  unreachable: "Check the network path, the firewall, and that the service runs.",
  internal: "Report it: the connector failed unexpectedly (it was logged without secrets).",
};

export function StepTable({ result }: { result: ProbeResult }) {
  const passed = result.status === "passed";
  return (
    <section className={`test-result ${passed ? "passed" : "failed"}`} aria-label="Connection test result">
      <p role="status">
        <strong>{passed ? "Test passed: every step succeeded." : "Test failed."}</strong>
      </p>
      <div className="table-scroll">
        <table>
          <caption className="visually-hidden">Test steps</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Status</th>
              <th scope="col">Time</th>
              <th scope="col">Failure class</th>
              <th scope="col">What to do</th>
            </tr>
          </thead>
          <tbody>
            {result.steps.map((step) => (
              <tr key={step.name} data-step={step.name} data-status={step.status}>
                <th scope="row">{step.name}</th>
                <td>
                  <span className={`badge ${step.status}`}>{step.status}</span>
                </td>
                <td>{step.status === "skipped" ? "" : `${step.elapsedMs} ms`}</td>
                <td>
                  {step.failureClass ?? ""}
                  {step.code ? <small className="code"> {step.code}</small> : null}
                </td>
                <td>
                  {step.detail ?? ""}
                  {step.failureClass && WHAT_TO_DO[step.failureClass] ? (
                    <small className="hint"> {WHAT_TO_DO[step.failureClass]}</small>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
