/** Copyright 2019 Amazon.com, Inc. or its affiliates. All Rights Reserved. */

'use strict';

module.exports.handler = async () => 'I do have a .js file suffix';
