// The "Copy" button next to a newly issued API key.
(function () {
  "use strict";
  var button = document.getElementById("copy-key");
  if (!button) {
    return;
  }
  button.addEventListener("click", function () {
    var field = document.getElementById(button.dataset.copyTarget);
    field.select();
    var done = function () {
      document.getElementById("copy-key-done").hidden = false;
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done);
    } else if (document.execCommand("copy")) {
      done();
    }
  });
}());
