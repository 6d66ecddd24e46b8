exports.handler = async function() {
    return x + 10
  }
