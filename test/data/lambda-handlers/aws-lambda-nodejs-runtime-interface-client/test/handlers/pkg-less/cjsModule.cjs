/** Copyright 2025 Amazon.com, Inc. or its affiliates. All Rights Reserved. */

'use strict';

module.exports.getMessage = () => {
    return "Hello from CJS!";
};
