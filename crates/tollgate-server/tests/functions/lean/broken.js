// A module that throws while it loads: the runtime reports an init error and exits.
'use strict';
throw new TypeError('configuration missing');
