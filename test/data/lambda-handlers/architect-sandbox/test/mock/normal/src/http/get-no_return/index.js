exports.handler = async () => {
  // Intentionally noop to induce failure state (REST) or null string (HTTP)
}
